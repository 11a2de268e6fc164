//! Hostile PDFs, written byte by byte: every shape that once took gloss
//! down or went unreported (issue 20), small enough to build in a test.
//! Used by tests/hostile_pdfs.rs (the regression folder) and by the fuzzer
//! (examples/fuzz_pdf.rs), which also mutates the development PDFs.
#![allow(dead_code)]

use std::io::Write;

/// What reading a case must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Read, exit 0, with a warning line holding the text.
    Warns(&'static str),
    /// Refused, exit 1, one error line holding the text.
    Fails(&'static str),
}

/// One hostile case: a name, its bytes and the outcome it must have.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub expect: Expect,
}

/// A PDF under construction: objects numbered from 1.
#[derive(Default)]
pub struct Pdf {
    objects: Vec<Vec<u8>>,
}

impl Pdf {
    /// Add an object (its body between `N 0 obj` and `endobj`); its number.
    pub fn add(&mut self, body: impl AsRef<[u8]>) -> usize {
        self.objects.push(body.as_ref().to_vec());
        self.objects.len()
    }

    /// Set object `n`'s body (objects may be reserved first, for loops).
    pub fn set(&mut self, n: usize, body: impl AsRef<[u8]>) {
        self.objects[n - 1] = body.as_ref().to_vec();
    }

    /// Reserve an object number to fill later.
    pub fn reserve(&mut self) -> usize {
        self.add(b"null")
    }

    /// A stream object of `data`, Flate-compressed when `flate`.
    pub fn stream(&mut self, extra: &str, data: &[u8], flate: bool) -> usize {
        let (data, filter) = if flate {
            (deflate(data), " /Filter /FlateDecode")
        } else {
            (data.to_vec(), "")
        };
        let mut body =
            format!("<< /Length {}{filter} {extra} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\nendstream");
        self.add(body)
    }

    /// The file, with catalog `root`, a correct xref table and `%%EOF`.
    pub fn finish(&self, root: usize) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                self.objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

/// The text every readable case carries.
pub const TEXT: &str = "Hostile input test page";

fn text_content(text: &str) -> Vec<u8> {
    format!("BT /F1 12 Tf 72 700 Td ({text}) Tj ET").into_bytes()
}

/// Objects 1–3: catalog (with `catalog_extra`), page tree, font; the page
/// tree's kids are filled by the caller through [`Pdf::set`] on object 2.
fn base(catalog_extra: &str) -> Pdf {
    let mut pdf = Pdf::default();
    pdf.add(format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>"));
    pdf.reserve();
    pdf.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    pdf
}

/// A page object drawing `contents` (an object list like `5 0 R` or `[5 0 R 5 0 R]`).
fn page(pdf: &mut Pdf, contents: &str, resources_extra: &str) -> usize {
    pdf.add(format!(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> {resources_extra} >> /Contents {contents} >>"
    ))
}

/// A one-page document whose catalog carries `catalog_extra`.
fn one_page(catalog_extra: &str) -> (Pdf, usize) {
    let mut pdf = base(catalog_extra);
    let content = pdf.stream("", &text_content(TEXT), true);
    let p = page(&mut pdf, &format!("{content} 0 R"), "");
    pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
    (pdf, p)
}

/// An outline whose items are built by `items(first_item_number)`.
fn with_outline(items: impl Fn(usize, usize) -> Vec<String>) -> Vec<u8> {
    let (mut pdf, page) = one_page("/Outlines 6 0 R");
    // Objects 4, 5 taken: content, page. The outline root is 6.
    let root = pdf.reserve();
    assert_eq!(root, 6);
    let bodies = items(root + 1, page);
    let n = bodies.len();
    for body in bodies {
        pdf.add(body);
    }
    pdf.set(
        root,
        format!(
            "<< /Type /Outlines /First {} 0 R /Last {} 0 R /Count {n} >>",
            root + 1,
            root + n
        ),
    );
    pdf.finish(1)
}

fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Every case of issue 20 and what each must end in.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name, bytes, expect| {
        cases.push(Case {
            name,
            bytes,
            expect,
        })
    };

    // Outline loops: the text is read, the outline left out with a warning.
    add(
        "outline-next-self",
        with_outline(|first, page| {
            vec![format!(
                "<< /Title (One) /Parent 6 0 R /Next {first} 0 R /Dest [{page} 0 R /Fit] >>"
            )]
        }),
        Expect::Warns("a loop in its outline"),
    );
    add(
        "outline-two-item-loop",
        with_outline(|first, page| {
            vec![
                format!(
                    "<< /Title (One) /Parent 6 0 R /Next {} 0 R /Dest [{page} 0 R /Fit] >>",
                    first + 1
                ),
                format!(
                    "<< /Title (Two) /Parent 6 0 R /Next {first} 0 R /Dest [{page} 0 R /Fit] >>"
                ),
            ]
        }),
        Expect::Warns("a loop in its outline"),
    );
    add(
        "outline-first-self",
        with_outline(|first, _| {
            vec![format!(
                "<< /Title (One) /Parent 6 0 R /First {first} 0 R >>"
            )]
        }),
        Expect::Warns("a loop in its outline"),
    );

    // A page tree whose kids hold the tree itself.
    {
        let mut pdf = base("");
        let content = pdf.stream("", &text_content(TEXT), true);
        let p = page(&mut pdf, &format!("{content} 0 R"), "");
        pdf.set(
            2,
            format!("<< /Type /Pages /Kids [{p} 0 R 2 0 R] /Count 2 >>"),
        );
        add(
            "page-tree-loop",
            pdf.finish(1),
            Expect::Fails("a loop in its page tree"),
        );
    }

    // 20,000 nested arrays: in a TJ (compressed), in Resources, in the page.
    {
        let mut pdf = base("");
        let tj = format!("BT /F1 12 Tf 72 700 Td {} TJ ET", nested(20_000, "(x)"));
        let content = pdf.stream("", tj.as_bytes(), true);
        let p = page(&mut pdf, &format!("{content} 0 R"), "");
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "nested-arrays-in-tj",
            pdf.finish(1),
            Expect::Fails("too deep"),
        );
    }
    {
        let mut pdf = base("");
        let content = pdf.stream("", &text_content(TEXT), true);
        let p = page(
            &mut pdf,
            &format!("{content} 0 R"),
            &format!("/Deep {}", nested(20_000, "1")),
        );
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "nested-arrays-in-resources",
            pdf.finish(1),
            Expect::Fails("too deep"),
        );
    }
    {
        let mut pdf = base("");
        let content = pdf.stream("", &text_content(TEXT), true);
        let p = pdf.add(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Junk {} /Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>",
            nested(5_000, "1")
        ));
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "nested-arrays-in-page",
            pdf.finish(1),
            Expect::Fails("too deep"),
        );
    }

    // One stream within the budget, used ten times: in one /Contents
    // array, and shared by twenty pages. (The file is padded to 16 KB, its
    // budget 1 MB; the stream decodes to 800 KB.)
    let big = {
        let mut data = text_content(TEXT);
        data.extend(std::iter::repeat_n(b' ', 800 * 1024));
        data
    };
    let pad = format!("%{}\n", "p".repeat(16 * 1024));
    {
        let mut pdf = base("");
        let content = pdf.stream("", &big, true);
        let refs = vec![format!("{content} 0 R"); 10].join(" ");
        let p = page(&mut pdf, &format!("[{refs}]"), "");
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        pdf.add(&pad);
        add(
            "one-stream-ten-times",
            pdf.finish(1),
            Expect::Fails("too large"),
        );
    }
    {
        let mut pdf = base("");
        let content = pdf.stream("", &big, true);
        let kids: Vec<String> = (0..20)
            .map(|_| format!("{} 0 R", page(&mut pdf, &format!("{content} 0 R"), "")))
            .collect();
        pdf.set(
            2,
            format!("<< /Type /Pages /Kids [{}] /Count 20 >>", kids.join(" ")),
        );
        pdf.add(&pad);
        add(
            "one-stream-twenty-pages",
            pdf.finish(1),
            Expect::Fails("too large"),
        );
    }
    // One stream far over the budget (a flate bomb).
    {
        let mut pdf = base("");
        let mut data = text_content(TEXT);
        data.extend(std::iter::repeat_n(b' ', 40 * 1024 * 1024));
        let content = pdf.stream("", &data, true);
        let p = page(&mut pdf, &format!("{content} 0 R"), "");
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add("flate-bomb", pdf.finish(1), Expect::Fails("too large"));
    }
    // A form XObject drawn a thousand times, and one that draws itself.
    {
        let mut pdf = base("");
        let form = pdf.stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
            &big[..200 * 1024],
            true,
        );
        let draws = "/Fm1 Do ".repeat(1000);
        let content = pdf.stream(
            "",
            format!("{} {draws}", String::from_utf8_lossy(&text_content(TEXT))).as_bytes(),
            true,
        );
        let p = page(
            &mut pdf,
            &format!("{content} 0 R"),
            &format!("/XObject << /Fm1 {form} 0 R >>"),
        );
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "form-drawn-1000-times",
            pdf.finish(1),
            Expect::Fails("too large"),
        );
    }
    {
        let mut pdf = base("");
        let form = pdf.reserve();
        let body = b"/Fm1 Do";
        pdf.set(
            form,
            format!(
                "<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /Fm1 {form} 0 R >> >> /Length {} >>\nstream\n{}\nendstream",
                body.len(),
                String::from_utf8_lossy(body)
            ),
        );
        let content = pdf.stream(
            "",
            format!("{} /Fm1 Do", String::from_utf8_lossy(&text_content(TEXT))).as_bytes(),
            false,
        );
        let p = page(
            &mut pdf,
            &format!("{content} 0 R"),
            &format!("/XObject << /Fm1 {form} 0 R >>"),
        );
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "form-draws-itself",
            pdf.finish(1),
            Expect::Fails("a loop in its form XObject"),
        );
    }

    // Truncated: half a file, no %%EOF.
    {
        let (pdf, _) = one_page("");
        let whole = pdf.finish(1);
        add(
            "truncated-half",
            whole[..whole.len() / 2].to_vec(),
            Expect::Fails("truncated"),
        );
    }
    // Empty pages: neither text nor images.
    {
        let mut pdf = base("");
        let empty = pdf.stream("", b"", false);
        let p = page(&mut pdf, &format!("{empty} 0 R"), "");
        let q = page(&mut pdf, &format!("{empty} 0 R"), "");
        pdf.set(
            2,
            format!("<< /Type /Pages /Kids [{p} 0 R {q} 0 R] /Count 2 >>"),
        );
        add(
            "empty-pages",
            pdf.finish(1),
            Expect::Fails("pages are empty"),
        );
    }
    // Images only: a scan needs OCR.
    {
        let mut pdf = base("");
        let image = pdf.stream(
            "/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8",
            &[0, 255, 255, 0],
            false,
        );
        let content = pdf.stream("", b"q 100 0 0 100 72 600 cm /Im1 Do Q", false);
        let p = page(
            &mut pdf,
            &format!("{content} 0 R"),
            &format!("/XObject << /Im1 {image} 0 R >>"),
        );
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add("image-only", pdf.finish(1), Expect::Fails("needs OCR"));
    }
    // A text string longer than the library keeps: read, with a warning.
    {
        let mut pdf = base("");
        let long: String = (0..100_000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
            .collect();
        let content = pdf.stream(
            "",
            format!(
                "{} BT /F1 1 Tf 10 10 Td ({long}) Tj ET",
                String::from_utf8_lossy(&text_content(TEXT))
            )
            .as_bytes(),
            true,
        );
        let p = page(&mut pdf, &format!("{content} 0 R"), "");
        pdf.set(2, format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1 >>"));
        add(
            "long-text-string",
            pdf.finish(1),
            Expect::Warns("is cut to 32767"),
        );
    }
    // A /Count that promises a million pages.
    {
        let mut pdf = base("");
        let content = pdf.stream("", &text_content(TEXT), true);
        let p = page(&mut pdf, &format!("{content} 0 R"), "");
        pdf.set(
            2,
            format!("<< /Type /Pages /Kids [{p} 0 R] /Count 1000000 >>"),
        );
        add("count-a-million", pdf.finish(1), Expect::Warns(""));
    }
    cases
}
