//! The order of a run's requests: each node waits for the nodes it needs,
//! and of the nodes that are ready the one with the longest path to the end
//! of the run goes first (its own weight plus the heaviest chain of nodes
//! that wait for it), so the long chains (a term list, then chunks, then a
//! summary, then the brief) start early and the endpoint is never idle at the
//! end while work was ready. The graph only orders; the caller sends (within
//! its concurrency) and reports each node as done.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A node's index in the graph, in the order the nodes were added.
pub type NodeId = usize;

/// Requests with their dependencies, dispatched longest-path-first.
#[derive(Debug, Default)]
pub struct Graph {
    weights: Vec<u64>,
    /// Each node's weight plus the heaviest chain of its dependents; set
    /// when the first node is taken (every node is added by then).
    ranks: Vec<u64>,
    /// For each node, the nodes that wait for it.
    dependents: Vec<Vec<NodeId>>,
    /// For each node, how many of the nodes it needs are not done yet.
    waiting_for: Vec<usize>,
    /// Ready nodes by rank, then by insertion order (earlier first).
    ready: BinaryHeap<(u64, Reverse<NodeId>)>,
    done: usize,
}

impl Graph {
    /// Add a node that may start once every node in `needs` is done. `needs`
    /// must name nodes added before, so the graph has no cycle by construction.
    pub fn add(&mut self, weight: u64, needs: &[NodeId]) -> NodeId {
        let id = self.weights.len();
        debug_assert!(needs.iter().all(|&n| n < id), "a node needs a later one");
        self.weights.push(weight);
        self.dependents.push(Vec::new());
        let mut waiting = 0;
        for &n in needs {
            if n < id {
                self.dependents[n].push(id);
                waiting += 1;
            }
        }
        self.waiting_for.push(waiting);
        debug_assert!(self.ranks.is_empty(), "a node added after the run started");
        id
    }

    /// Rank every node (dependents come after what they need, so one pass
    /// from the end) and make the nodes that need nothing ready.
    fn rank(&mut self) {
        let n = self.weights.len();
        self.ranks = self.weights.clone();
        for id in (0..n).rev() {
            let longest = self.dependents[id]
                .iter()
                .map(|&d| self.ranks[d])
                .max()
                .unwrap_or(0);
            self.ranks[id] += longest;
        }
        for id in 0..n {
            if self.waiting_for[id] == 0 {
                self.ready.push((self.ranks[id], Reverse(id)));
            }
        }
    }

    /// The ready node with the longest path to the end, taken off the ready set.
    pub fn next_ready(&mut self) -> Option<NodeId> {
        if self.ranks.len() != self.weights.len() {
            self.rank();
        }
        self.ready.pop().map(|(_, Reverse(id))| id)
    }

    /// Whether a node is ready to start.
    pub fn has_ready(&self) -> bool {
        if self.ranks.len() != self.weights.len() {
            return self.waiting_for.contains(&0);
        }
        !self.ready.is_empty()
    }

    /// Mark `id` done: the nodes that waited only for it become ready.
    pub fn done(&mut self, id: NodeId) {
        self.done += 1;
        for i in 0..self.dependents[id].len() {
            let d = self.dependents[id][i];
            self.waiting_for[d] -= 1;
            if self.waiting_for[d] == 0 {
                self.ready.push((self.ranks[d], Reverse(d)));
            }
        }
    }

    /// Whether every node is done.
    pub fn finished(&self) -> bool {
        self.done == self.weights.len()
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.weights.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Run the graph to the end with `slots` requests in flight, finishing the
    /// oldest in flight first; returns the start order. Asserts that every
    /// node starts only after each node in `needs[node]` is done.
    fn drain(g: &mut Graph, slots: usize, needs: &[Vec<NodeId>]) -> Vec<NodeId> {
        let mut started = Vec::new();
        let mut finished = vec![false; g.len()];
        let mut in_flight = std::collections::VecDeque::new();
        while !g.finished() {
            while in_flight.len() < slots {
                let Some(id) = g.next_ready() else { break };
                for &n in needs.get(id).map(Vec::as_slice).unwrap_or_default() {
                    assert!(finished[n], "{id} started before {n} was done");
                }
                started.push(id);
                in_flight.push_back(id);
            }
            let id = in_flight
                .pop_front()
                .expect("a node in flight when not finished");
            finished[id] = true;
            g.done(id);
        }
        started
    }

    #[test]
    fn ready_nodes_go_heaviest_first_ties_in_insertion_order() {
        let mut g = Graph::default();
        let light = g.add(1, &[]);
        let heavy = g.add(9, &[]);
        let tie = g.add(1, &[]);
        assert_eq!(drain(&mut g, 1, &[]), [heavy, light, tie]);
    }

    #[test]
    fn a_light_node_that_long_work_waits_for_goes_first() {
        let mut g = Graph::default();
        let heavy = g.add(50, &[]);
        let terms = g.add(5, &[]);
        let chunk = g.add(100, &[terms]);
        assert_eq!(
            drain(&mut g, 1, &[vec![], vec![], vec![terms]]),
            [terms, chunk, heavy]
        );
    }

    #[test]
    fn a_node_waits_for_every_node_it_needs() {
        let mut g = Graph::default();
        let a = g.add(1, &[]);
        let b = g.add(1, &[]);
        let c = g.add(100, &[a, b]);
        assert_eq!(g.next_ready(), Some(a));
        g.done(a);
        assert_eq!(g.next_ready(), Some(b), "c still waits for b");
        assert!(!g.has_ready());
        g.done(b);
        assert_eq!(g.next_ready(), Some(c));
        g.done(c);
        assert!(g.finished());
    }

    proptest! {
        /// Whatever the shape and the concurrency: every node starts exactly
        /// once and never before every node it needs is done.
        #[test]
        fn dependency_order_holds(
            shape in proptest::collection::vec((0u64..50, proptest::collection::vec(0usize..64, 0..4)), 1..40),
            slots in 1usize..6,
        ) {
            let mut g = Graph::default();
            let mut needs_of = Vec::new();
            for (i, (w, needs)) in shape.iter().enumerate() {
                let needs: Vec<NodeId> = needs.iter().filter(|&&n| n < i).copied().collect();
                g.add(*w, &needs);
                needs_of.push(needs);
            }
            let order = drain(&mut g, slots, &needs_of);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..shape.len()).collect::<Vec<_>>());
        }
    }
}
