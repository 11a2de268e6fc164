use super::Kind::{Date, Money, Percent, Plain, Year};
use super::compare::close;
use super::*;

const SAMPLE: &str = include_str!("../../../samples/trendwatch-2023-22.txt");

/// Asserts the Korean mentions of `text`, kinds and values, in order.
#[track_caller]
fn assert_ko(text: &str, expected: &[(Kind, f64)]) {
    let got: Vec<(Kind, f64)> = korean_numbers(text)
        .iter()
        .map(|m| (m.kind, m.value))
        .collect();
    let same = got.len() == expected.len()
        && got
            .iter()
            .zip(expected)
            .all(|(g, e)| g.0 == e.0 && close(g.1, e.1, 1e-12));
    assert!(
        same,
        "{text:?}\n  got      {got:?}\n  expected {expected:?}"
    );
}

/// Asserts that a faithful translation leaves nothing missing.
#[track_caller]
fn assert_complete(source: &str, translation: &str) {
    let gaps = missing(source, translation);
    assert!(
        gaps.is_empty(),
        "{source:?} -> {translation:?}\n  missing {gaps:?}"
    );
    // The same faithful pairs measure the reverse check's false alarms.
    let extra = added(source, translation);
    assert!(
        extra.is_empty(),
        "{source:?} -> {translation:?}\n  added {extra:?}"
    );
}

/// Asserts exactly which source values a faulty translation lost.
#[track_caller]
fn assert_lost(source: &str, translation: &str, expected: &[f64]) {
    let lost: Vec<f64> = missing(source, translation)
        .iter()
        .map(|m| m.value)
        .collect();
    let same = lost.len() == expected.len()
        && lost.iter().zip(expected).all(|(l, e)| close(*l, *e, 1e-12));
    assert!(
        same,
        "{source:?} -> {translation:?}\n  lost {lost:?}, expected {expected:?}"
    );
}

#[test]
fn a_decimal_amount_that_looks_like_year_and_month_is_an_amount() {
    // Found by the proptest below (19억 2,230만): "1922.3 million" was
    // read as March 1922, so the right rendering was reported missing.
    let src = "지원금 총 19억 2,230만 캐나다 달러";
    assert_complete(src, "CAD 1922.3 million");
    assert_complete(src, "CAD 1,922.3 million in funding");
    assert_lost(src, "CAD 192.23 million", &[1_922_300_000.0]);
    // A real date before a word still is one.
    let dated = "2023.3 발표";
    assert_complete(dated, "announced 2023.3 for");
}

#[test]
fn eok_man_amount_is_one_value_and_4270_million_is_caught() {
    let src = "혁신과학경제개발부(ISED) 지원금이 총 4억 2,700만 캐나다 달러에 육박";
    assert_ko(src, &[(Money, 427_000_000.0)]);
    assert_eq!(korean_numbers(src)[0].text, "4억 2,700만 캐나다 달러");
    assert_complete(src, "ISED funding totals nearly CAD 427 million");
    assert_complete(src, "ISED funding approaches C$427 million");
    assert_complete(src, "nearly 427 million Canadian dollars");
    assert_lost(
        src,
        "ISED funding totals nearly 4,270 million dollars",
        &[427e6],
    );
    assert_lost(src, "ISED funding totals nearly CAD 42.7 million", &[427e6]);
    assert_lost(src, "ISED funding totals nearly CAD 4.27 billion", &[427e6]);
}

#[test]
fn nine_eok_five_thousand_man() {
    let src = "정부에서는 ’17년 예산에 포함된 9억 5,000만 캐나다 달러를 시작으로 ’21년 6,000만 달러가 추가되었고";
    assert_ko(
        src,
        &[
            (Year, 2017.0),
            (Money, 950e6),
            (Year, 2021.0),
            (Money, 60e6),
        ],
    );
    assert_complete(
        src,
        "Starting with CAD 950 million in the 2017 budget, a further $60 million was added in 2021",
    );
    assert_lost(
        src,
        "Starting with CAD 9.5 million in the 2017 budget, a further $60 million was added in 2021",
        &[950e6],
    );
}

#[test]
fn five_years_seven_eok_five_thousand_man() {
    let src = "’22년 예산을 통해 5년간 7억 5,000만 달러 지원 계획을 수립";
    assert_ko(src, &[(Year, 2022.0), (Plain, 5.0), (Money, 750e6)]);
    assert_complete(src, "the 2022 budget set out $750 million over five years");
    assert_lost(
        src,
        "the 2022 budget set out $75 million over five years",
        &[750e6],
    );
    assert_lost(
        src,
        "the budget set out $750 million over five years",
        &[2022.0],
    );
}

#[test]
fn cluster_amounts_up_to() {
    let src = "(디지털 기술) 브리시티 컬럼비아 기반, 최대 2억 9,800만 달러 (단백질 산업) 프레리 기반, 최대 3억 2,300만 달러";
    assert_ko(src, &[(Money, 298e6), (Money, 323e6)]);
    assert_complete(
        src,
        "(digital technology) British Columbia, up to $298 million; (protein) Prairies, up to $323 million",
    );
    assert_lost(src, "up to $29.8 million; up to $323 million", &[298e6]);
}

#[test]
fn short_year_until() {
    let src = "’30년까지 컴퓨터 활용 능력, 비판적 사고력, 창의성";
    assert_ko(src, &[(Year, 2030.0)]);
    assert_complete(
        src,
        "By 2030, computer literacy, critical thinking and creativity",
    );
    assert_complete(src, "By ’30, computer literacy");
    assert_lost(
        src,
        "In the coming years, computer literacy, critical thinking",
        &[2030.0],
    );
    assert_lost(src, "By 2013, computer literacy", &[2030.0]);
}

#[test]
fn percent_next_to_chemical_formula() {
    let src = "기존 시멘트 배합 대비 CO2 배출량을 40% 감축";
    assert_ko(src, &[(Percent, 40.0)]);
    assert_complete(
        src,
        "cuts CO2 emissions by 40% compared with conventional cement",
    );
    assert_complete(src, "cuts CO2 emissions by 40 percent");
    assert_lost(src, "cuts CO2 emissions by 4%", &[40.0]);
    // A plain 40 is not the percentage.
    assert_lost(src, "cuts CO2 emissions by 40 tonnes", &[40.0]);
}

#[test]
fn ev_fleet_in_man_units() {
    let src = "’30년 전 세계 전기차 운행대수가 4,400만 대에 달할 것으로 예상";
    assert_ko(src, &[(Year, 2030.0), (Plain, 44e6)]);
    assert_complete(
        src,
        "The global EV fleet is expected to reach 44 million vehicles in 2030",
    );
    assert_lost(
        src,
        "The global EV fleet is expected to reach 4,400 vehicles in 2030",
        &[44e6],
    );
    assert_lost(
        src,
        "The global EV fleet is expected to reach 440 million by 2030",
        &[44e6],
    );
}

#[test]
fn ira_tax_credits_in_eok_dollars() {
    let src = "청정에너지 분야에 3,690억 달러 규모 세액 공제 제공";
    assert_ko(src, &[(Money, 369e9)]);
    assert_complete(src, "$369 billion in clean-energy tax credits");
    assert_complete(src, "US$369bn in clean-energy tax credits");
    assert_lost(src, "$3.69 billion in clean-energy tax credits", &[369e9]);
    assert_lost(src, "$3,690 billion in clean-energy tax credits", &[369e9]);
}

#[test]
fn infrastructure_grants_in_eok_dollars() {
    let src = "인프라 투자 지원에 총액 5,500억 달러 규모 보조금 지급";
    assert_ko(src, &[(Money, 550e9)]);
    assert_complete(src, "a total of $550 billion in infrastructure grants");
    assert_lost(
        src,
        "a total of $55 billion in infrastructure grants",
        &[550e9],
    );
    assert_lost(
        src,
        "a total of $5,500 billion in infrastructure grants",
        &[550e9],
    );
}

#[test]
fn short_year_range_with_bare_second_year() {
    let src = "▲’19~22년 온라인 채용 공고 분석 결과 AI 개발·배포 분야 전문가 수요가 약 33%로 급증";
    assert_ko(src, &[(Year, 2019.0), (Year, 2022.0), (Percent, 33.0)]);
    assert_complete(
        src,
        "2019–2022 job postings show demand for AI specialists surged to about 33%",
    );
    assert_complete(src, "2019-22 job postings: about 33 per cent");
    assert_complete(src, "postings from ’19 to ’22: about 33%");
    assert_lost(
        src,
        "job postings since 2019 show demand surged to about 33%",
        &[2022.0],
    );
}

#[test]
fn quoted_year_range_and_cagr() {
    let src = "’12~’22년 글로벌 신에너지차 산업의 고속 성장에도 불구하고(연평균 55.4%) 액체 배터리";
    assert_ko(src, &[(Year, 2012.0), (Year, 2022.0), (Percent, 55.4)]);
    assert_complete(
        src,
        "Despite rapid growth of the NEV industry in 2012-2022 (CAGR 55.4%)",
    );
    assert_complete(src, "from 2012 to 2022 (55.4 per cent a year)");
    assert_lost(src, "from 2012 to 2022 (CAGR 55%)", &[55.4]);
    assert_lost(src, "from 2012 (CAGR 55.4%)", &[2022.0]);
}

#[test]
fn patent_counts_by_year() {
    let src = "’13년 기준 10건 수준이었던 고체배터리 관련 특허 출원 건수가 ’21년 305건을 기록(연평균 53.3% 증가)";
    assert_ko(
        src,
        &[
            (Year, 2013.0),
            (Plain, 10.0),
            (Year, 2021.0),
            (Plain, 305.0),
            (Percent, 53.3),
        ],
    );
    assert_complete(
        src,
        "patent filings rose from about 10 in 2013 to 305 in 2021 (53.3% a year)",
    );
    assert_complete(src, "from ten in 2013 to 305 in 2021, up 53.3% annually");
    assert_lost(
        src,
        "from ten in 2013 to 305 in 2020, up 53.3% annually",
        &[2021.0],
    );
}

#[test]
fn unit_glued_to_number_and_model_name() {
    let src = "(NIO) ’23년 상반기 WeLion신에너지의 150kMh 반고체 배터리를 탑재한 전기차 ET7 출시";
    assert_ko(src, &[(Year, 2023.0), (Plain, 150.0)]);
    assert_complete(
        src,
        "(NIO) launched the ET7 with WeLion's 150kWh semi-solid battery in H1 2023",
    );
    assert_lost(
        src,
        "(NIO) launched the ET7 with a 15 kWh battery in H1 2023",
        &[150.0],
    );
}

#[test]
fn kilometres_with_separator() {
    let src = "QingTao Energy사와 협력 개발한 1,000km 이상의 장거리 고체배터리를 자체 브랜드 차량에 우선 적용(’23년 출시)";
    assert_ko(src, &[(Plain, 1000.0), (Year, 2023.0)]);
    assert_complete(
        src,
        "a long-range solid-state battery of over 1,000 km (launched in 2023)",
    );
    assert_complete(src, "a 1,000-km solid-state battery (2023 launch)");
    assert_lost(src, "a 100 km solid-state battery (2023 launch)", &[1000.0]);
}

#[test]
fn square_feet_with_metric_in_parentheses() {
    let src = "최대 5,000 평방피트(464㎡)의 공간에서 범죄와 위험을 예방하는 경비 로봇";
    assert_ko(src, &[(Plain, 5000.0), (Plain, 464.0)]);
    assert_complete(
        src,
        "a security robot guarding up to 5,000 square feet (464 m²)",
    );
    assert_complete(src, "up to 5,000 sq ft (464㎡)");
    assert_lost(
        src,
        "a security robot guarding up to 5,000 square feet",
        &[464.0],
    );
}

#[test]
fn degrees_celsius_decimal_and_thousands() {
    let src =
        "유리 하단에 있는 재료의 온도를 최대 3.5°C 낮출 수 있으며 최대 1,000°C에서도 안정성 유지";
    assert_ko(src, &[(Plain, 3.5), (Plain, 1000.0)]);
    assert_complete(
        src,
        "lowers the temperature by up to 3.5°C and stays stable at up to 1,000°C",
    );
    assert_complete(src, "by up to 3.5 °C ... up to 1000 degrees Celsius");
    assert_lost(src, "by up to 35°C ... up to 1,000°C", &[3.5]);
    assert_lost(src, "by up to 3.5°C ... up to 100°C", &[1000.0]);
}

#[test]
fn title_metadata_date() {
    let src = "일본 제조업 연구개발 분야 DX 과제와 추진 방향 (日 MURC, 11.6)";
    assert_ko(src, &[(Date, 1106.0)]);
    assert_complete(
        src,
        "R&D DX challenges in Japanese manufacturing (MURC, Japan, November 6)",
    );
    assert_complete(src, "R&D DX challenges (MURC, Nov. 6)");
    assert_complete(src, "R&D DX challenges (MURC, 6 November)");
    assert_complete(src, "R&D DX challenges (MURC, 11.6)");
    assert_complete(src, "R&D DX challenges (MURC, 11/6)");
    assert_lost(
        src,
        "R&D DX challenges in Japanese manufacturing (MURC, Japan)",
        &[1106.0],
    );
    assert_lost(src, "R&D DX challenges (MURC, November 16)", &[1106.0]);
}

#[test]
fn source_column_date_and_bare_month() {
    let src = "Techxplore\n\n(11.15)";
    assert_ko(src, &[(Date, 1115.0)]);
    assert_complete(src, "Techxplore (Nov 15)");
    assert_lost(src, "Techxplore (Nov 5)", &[1115.0]);
    let src = "중국 제조업 분야 안정성장계획의 대책과 전망 (日 미즈호은행, 11月)";
    assert_ko(src, &[(Date, 1100.0)]);
    assert_complete(
        src,
        "Stable-growth plans for China's manufacturing (Mizuho Bank, November)",
    );
    assert_lost(
        src,
        "Stable-growth plans for China's manufacturing (Mizuho Bank)",
        &[1100.0],
    );
}

#[test]
fn loans_count_and_eok_dollars() {
    let src = "(Ultium Cells) LIB 셀 제조공장에 3건 25억 달러 융자 ▲(Ioneer) 리튬-붕소 프로젝트에 최대 7억 달러 조건부 융자";
    assert_ko(src, &[(Plain, 3.0), (Money, 2.5e9), (Money, 700e6)]);
    assert_complete(
        src,
        "(Ultium Cells) three loans totalling $2.5 billion for LIB cell plants; (Ioneer) a conditional loan of up to $700 million",
    );
    assert_lost(
        src,
        "three loans totalling $25 billion; up to $700 million",
        &[2.5e9],
    );
    assert_lost(
        src,
        "three loans totalling $2.5 billion; up to $7 million",
        &[700e6],
    );
}

#[test]
fn decimal_eok_and_year_in_parentheses() {
    let src = "자석과 희토류 분리·제련 생산능력 증강(2.5억 달러, ’19년)";
    assert_ko(src, &[(Money, 250e6), (Year, 2019.0)]);
    assert_complete(
        src,
        "expanding magnet and rare-earth separation capacity ($250 million, 2019)",
    );
    assert_lost(src, "expanding capacity ($2.5 billion, 2019)", &[250e6]);
    assert_lost(src, "expanding capacity ($250 million)", &[2019.0]);
}

#[test]
fn economic_effect_and_jobs() {
    let src =
        "10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
    assert_ko(src, &[(Plain, 10.0), (Money, 13.5e9), (Plain, 13_500.0)]);
    assert_complete(
        src,
        "over 10 years, more than CAD 13.5 billion in economic benefits and over 13,500 jobs",
    );
    assert_complete(src, "over a decade, more than C$13.5bn and 13,500+ jobs");
    assert_lost(
        src,
        "over 10 years, more than CAD 135 billion and over 13,500 jobs",
        &[13.5e9],
    );
    assert_lost(
        src,
        "over 10 years, more than CAD 13.5 billion and over 1,350 jobs",
        &[13_500.0],
    );
}

#[test]
fn battery_revenue_in_yuan() {
    let src = "’30년경 중국 전고체배터리 매출 규모 250GWh, 매출액 200억 위안 돌파 기대";
    assert_ko(src, &[(Year, 2030.0), (Plain, 250.0), (Money, 20e9)]);
    assert_complete(
        src,
        "By around 2030, China's all-solid-state battery sales are expected to exceed 250 GWh and 20 billion yuan",
    );
    assert_complete(src, "around 2030: 250GWh and RMB 20bn");
    assert_lost(src, "around 2030: 250GWh and RMB 200 billion", &[20e9]);
}

#[test]
fn dollar_sign_amount_and_share() {
    let src =
        "▲(미국) 부품의 50% 이상이 북미에서 제조·조립되는 전기차를 대상으로 $3,750의 세액공제 적용";
    assert_ko(src, &[(Percent, 50.0), (Money, 3750.0)]);
    assert_complete(
        src,
        "(US) a $3,750 tax credit for EVs with at least 50% of components made in North America",
    );
    assert_lost(
        src,
        "(US) a $3,570 tax credit for EVs with at least 50% of components",
        &[3750.0],
    );
}

#[test]
fn duration_range() {
    let src = "전고체 배터리 상용화까지는 5~10년이 소요될 전망";
    assert_ko(src, &[(Plain, 5.0), (Plain, 10.0)]);
    assert_complete(
        src,
        "commercialising all-solid-state batteries will take 5 to 10 years",
    );
    assert_complete(src, "will take five to ten years");
    assert_complete(src, "will take 5–10 years");
    assert_lost(src, "will take about 5 years", &[10.0]);
}

#[test]
fn top_ten_industries_and_year_month_range() {
    let src = "10대 산업*별 안정성장계획을 각각 수립(’23.8~9)";
    assert_ko(src, &[(Plain, 10.0), (Year, 2023.0)]);
    assert_complete(
        src,
        "stable-growth plans for each of the 10 major industries (Aug–Sep 2023)",
    );
    assert_complete(
        src,
        "plans for the ten key industries (August-September 2023)",
    );
    assert_lost(
        src,
        "plans for the key industries (August-September 2023)",
        &[10.0],
    );
    assert_lost(
        src,
        "plans for the 10 key industries (August-September)",
        &[2023.0],
    );
}

#[test]
fn doubling_between_years() {
    let src = "▲(배터리 수요) ’22~’25년간 2배, ’30년\n까지 다시 2배 증가 예상";
    assert_ko(
        src,
        &[
            (Year, 2022.0),
            (Year, 2025.0),
            (Plain, 2.0),
            (Year, 2030.0),
            (Plain, 2.0),
        ],
    );
    assert_complete(
        src,
        "(battery demand) to double between 2022 and 2025 and double again by 2030",
    );
    assert_complete(src, "demand to grow 2x in 2022–25 and another 2x by 2030");
    assert_lost(
        src,
        "to double between 2022 and 2025 and again by 2035",
        &[2030.0],
    );
}

#[test]
fn trillion_dollar_club() {
    let src = "대규모 GPU 수요에 힘입어 NVIDIA가 미국 1조 달러 클럽에 진입";
    assert_ko(src, &[(Money, 1e12)]);
    assert_complete(
        src,
        "NVIDIA joined the US $1 trillion club on huge GPU demand",
    );
    assert_complete(src, "NVIDIA joined the trillion-dollar club");
    assert_lost(src, "NVIDIA joined the $1 billion club", &[1e12]);
}

#[test]
fn investment_over_one_eok_dollars() {
    let src = "단일 대형 모델 훈련에 10억 달러 이상을 투자하는 등 GenAI 확장 열풍 지속";
    assert_ko(src, &[(Money, 1e9)]);
    assert_complete(
        src,
        "more than $1 billion invested in training a single large model",
    );
    assert_complete(src, "over a billion dollars for a single model");
    assert_lost(
        src,
        "more than $10 billion invested in training a single model",
        &[1e9],
    );
}

#[test]
fn executive_orders_are_designations_not_numbers() {
    let src =
        "Crisis(EO 13990, ’21.1.) ▲Tackling the Climate Crisis at Home and Abroad(EO 14008, ’21.1)";
    assert_ko(src, &[(Year, 2021.0), (Year, 2021.0)]);
    assert_complete(
        src,
        "Crisis (EO 13990, January 2021); Tackling the Climate Crisis (EO 14008, Jan. 2021)",
    );
    assert_lost(
        src,
        "Crisis (EO 13990); Tackling the Climate Crisis (EO 14008)",
        &[2021.0, 2021.0],
    );
}

#[test]
fn identifiers_are_not_numbers() {
    for text in [
        "GPT-4로 인해 독점 모델과 차선책인 오픈소스 간의 기능 차이가 드러나고",
        "대규모 언어모델 LlaMa-1/2를 통한 독점 모델의 성능 복제·초월 노력 증대",
        "K-12의 STEM 역량 구축을 위한 국가 기금을 조성하여",
        "재료 배합을 수정하여 내재 CO2 함량을 낮춘 저탄소 시멘트(LC3)",
        "∙ 3D CAD/CAE 활용은 원활한 편이지만",
        "RPA(로봇 프로세스 자동화), IoT 기기를 이용한 데이터 수집",
        "코로나19 팬데믹으로 중국 내 제조업 생산 중단",
        "America's Supply Chains(EO 14017",
    ] {
        assert_ko(text, &[]);
    }
    assert!(english_numbers("GPT-4, LlaMa-1/2, K-12, CO2, LC3, EO 14008, COVID-19").is_empty());
}

#[test]
fn latin_title_year_and_reference_dates() {
    let src = "(참고 : OECD, OECD Skills Outlook 2023: Skills for a Resilient Green and Digital Transition, 2023.11.06.)";
    assert_ko(src, &[(Year, 2023.0), (Year, 2023.0), (Date, 1106.0)]);
    assert_complete(src, "(Source: OECD, OECD Skills Outlook 2023, 2023.11.06.)");
    assert_complete(
        src,
        "(Source: OECD, OECD Skills Outlook 2023, 6 November 2023)",
    );
    assert_lost(
        src,
        "(Source: OECD, OECD Skills Outlook 2023, November 2023)",
        &[1106.0],
    );
    let src = "(참고: ISED, Government of Canada highlights renewed funding, 2023.1027; Global Innovation Clusters, 2023.08.31. 업데이트.)";
    assert_ko(
        src,
        &[
            (Year, 2023.0),
            (Date, 1027.0),
            (Year, 2023.0),
            (Date, 831.0),
        ],
    );
    assert_complete(
        src,
        "(Source: ISED, 27 October 2023; Global Innovation Clusters, updated August 31, 2023)",
    );
}

#[test]
fn counts_that_english_spells_out() {
    let src = "기술 역량 간화 및 사업화 촉진을 목표로 5개 ‘글로벌 혁신 클러스터’를 중점 지원";
    assert_ko(src, &[(Plain, 5.0)]);
    assert_complete(
        src,
        "focuses its support on five Global Innovation Clusters",
    );
    assert_lost(
        src,
        "focuses its support on Global Innovation Clusters",
        &[5.0],
    );
    let src = "전략 원자재의 65% 이상을 단일 제3국에서 조달할 수 없도록";
    assert_ko(src, &[(Percent, 65.0), (Plain, 3.0)]);
    assert_complete(
        src,
        "no more than 65% of strategic raw materials from a single third country",
    );
}

#[test]
fn shares_and_glued_energy_units() {
    let src = "▲(배터리팩 크기) ’20년 평균 51kWh → ’30년 69kWh로 증가";
    assert_ko(
        src,
        &[(Year, 2020.0), (Plain, 51.0), (Year, 2030.0), (Plain, 69.0)],
    );
    assert_complete(
        src,
        "(pack size) from an average 51 kWh in 2020 to 69 kWh in 2030",
    );
    assert_lost(
        src,
        "(pack size) from an average 51 kWh in 2020 to 96 kWh in 2030",
        &[69.0],
    );
    let src = "OECD 국가 성인의 약 \n70%가 기후변화를 위협으로 인지하고 60%는 온라인상의 허위정보 문제를 우려";
    assert_ko(src, &[(Percent, 70.0), (Percent, 60.0)]);
    assert_complete(
        src,
        "about 70% see climate change as a threat and 60 per cent worry about disinformation",
    );
    assert_lost(
        src,
        "about 70% see climate change as a threat and many worry",
        &[60.0],
    );
}

#[test]
fn ranges_share_a_unit_written_once() {
    assert_ko("투자 규모 3~5억 달러", &[(Money, 300e6), (Money, 500e6)]);
    assert_complete("투자 규모 3~5억 달러", "investments of $300–500 million");
    assert_ko("점유율 30~40%", &[(Percent, 30.0), (Percent, 40.0)]);
    assert_complete("점유율 30~40%", "a share of 30-40%");
    assert_lost("점유율 30~40%", "a share of 30 to 45%", &[40.0]);
    assert_ko(
        "1만 5천 명, 3천억 원, 5천 개",
        &[(Plain, 15_000.0), (Money, 300e9), (Plain, 5000.0)],
    );
}

#[test]
fn page_furniture_and_footnotes_are_ignored() {
    assert_ko("산업·기술 동향\n\n3 ❚\n\n산업·기술 동향", &[]);
    assert_ko("❚ 4\n\n글로벌 AI 발전 현황과 전망", &[]);
    assert_ko("핵심광물[1] 정책", &[]);
    assert_ko("¹ 각주", &[]);
}

#[test]
fn real_small_model_output_is_flagged() {
    // Verbatim source and local-model output from a cached run on the sample.
    let src = "※ 각 클러스터의 거점 지역과 투자액($ CA)은 (디지털 기술) 브리시티 컬럼비아 기반, 최대 2억 9,800만 달러 (단백질 산업) 프레리 기반, 최대 3억 2,300만 달러";
    let en = "※ Each cluster’s distance area and investment ($ CA) is (digital technology) based, the maximum 2 million 9,800 million dollars (quartz industry) based, the maximum 3 million 2,300 million dollars";
    assert_lost(src, en, &[298e6, 323e6]);
    let src =
        "- 10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
    let en = "- The total amount of money invested in the advanced manufacturing cluster in 2023 is expected to be 135 million dollars and 13,500 days.";
    assert_lost(src, en, &[10.0, 13.5e9]);
    let src = "(참고: ISED, Government of Canada highlights renewed funding for the Advanced Manufacturing Cluster, 2023.1027; Global Innovation Clusters, 2023.08.31. 업데이트.)";
    let en = "(Reference: ISED, Government of Canada highlights renewed funding for the Advanced Manufacturing Cluster, 2023.1027; Global Innovation Clusters, 2023.08.31. Update.)";
    assert_complete(src, en);
    let src =
        "- 95%의 클링커와 5%의 석고로 구성된 기존 시멘트 배합 대비 CO2 배출량을 40% 감축할 수 있고";
    let en = "- 95% of the clinking cluster is combined with carbon dioxide and carbon monoxide, and the CO2 content is reduced by 40%";
    assert_lost(src, en, &[5.0]);
}

#[test]
fn figures_the_translation_made_up_are_caught() {
    let src =
        "- 10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
    let faithful = "- Expected to create over CAD 13.5 billion in economic effects and over 13,500 jobs over 10 years";
    assert!(added(src, faithful).is_empty());
    let padded = "- Expected to create over CAD 13.5 billion in economic effects and over 13,500 jobs by 2035, up 25%";
    let extra: Vec<(Kind, f64)> = added(src, padded)
        .iter()
        .map(|m| (m.kind, m.value))
        .collect();
    assert_eq!(extra, [(Year, 2035.0), (Percent, 25.0)]);
    // A shifted figure is both lost and added.
    let shifted = "- Expected to create over CAD 13.5 billion in economic effects and over 13,800 jobs over 10 years";
    assert_eq!(added(src, shifted).len(), 1);
    // Dates, short years and small counts the Korean spells in words are accounted for.
    let src = "OECD 스킬 전망 : 녹색·디지털 전환 스킬 (OECD, 11.6) 두 기업이 ’30년까지";
    let en = "OECD Skills Outlook: green and digital transition skills (OECD, Nov. 6) 2 companies by '30";
    assert!(added(src, en).is_empty(), "{:?}", added(src, en));
}

#[test]
fn english_reader_covers_the_usual_renderings() {
    let en = |text: &str| -> Vec<(Kind, f64)> {
        english_numbers(text)
            .iter()
            .map(|m| (m.kind, m.value))
            .collect()
    };
    assert_eq!(en("CAD 427 million"), [(Money, 427e6)]);
    assert_eq!(en("$1.2bn"), [(Money, 1.2e9)]);
    assert_eq!(en("$5m"), [(Money, 5e6)]);
    assert_eq!(en("5m tall"), [(Plain, 5.0)]);
    assert_eq!(en("1.5 thousand"), [(Plain, 1500.0)]);
    assert_eq!(en("1 trillion"), [(Plain, 1e12)]);
    assert_eq!(en("40 percent"), [(Percent, 40.0)]);
    assert_eq!(en("55.4 per cent"), [(Percent, 55.4)]);
    assert_eq!(en("the '30s"), [(Year, 2030.0), (Plain, 30.0)]);
    assert_eq!(en("2019-22"), [(Year, 2019.0), (Year, 2022.0)]);
    assert_eq!(en("2019–2022"), [(Year, 2019.0), (Year, 2022.0)]);
    assert_eq!(en("mid-2024"), [(Year, 2024.0)]);
    assert_eq!(en("twenty-five"), [(Plain, 25.0)]);
    assert_eq!(en("two million"), [(Plain, 2e6)]);
    assert!(en("Nov. 6").contains(&(Date, 1106.0)));
    assert!(en("11/6").contains(&(Date, 1106.0)));
    assert!(en("(11.6)").contains(&(Date, 1106.0)));
    assert!(en("(11.6)").contains(&(Plain, 11.6)));
    assert_eq!(en("4.27 billion"), [(Plain, 4.27e9)]);
}

#[test]
fn whole_sample_reads_sensibly() {
    let mentions = korean_numbers(SAMPLE);
    let has = |kind: Kind, value: f64| {
        mentions
            .iter()
            .any(|m| m.kind == kind && close(m.value, value, 1e-12))
    };
    for value in [427e6, 950e6, 369e9, 550e9, 13.5e9, 20e9, 1e12, 18e9] {
        assert!(has(Money, value), "{value} not read as money");
    }
    assert!(has(Plain, 44e6) && has(Plain, 13_500.0) && has(Percent, 55.4));
    assert!(has(Year, 2030.0) && has(Year, 2012.0) && has(Date, 1106.0) && has(Date, 1027.0));
    for designation in [13990.0, 14008.0, 14017.0, 14030.0, 14037.0, 14057.0] {
        assert!(
            !mentions.iter().any(|m| m.value == designation),
            "{designation} read as a number"
        );
    }
    // Whatever the Korean reader finds, the English reader finds in the same text:
    // a translation that keeps a notation verbatim is never flagged.
    let gaps = missing(SAMPLE, SAMPLE);
    assert!(gaps.is_empty(), "{gaps:?}");
}

fn grouped(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

proptest::proptest! {
    #[test]
    fn eok_man_amounts_survive_only_exact_renderings(eok in 1u32..10_000, man in 1u32..10_000) {
        let source = format!("지원금 총 {eok}억 {}만 캐나다 달러", grouped(man));
        let value = f64::from(eok) * 1e8 + f64::from(man) * 1e4;
        proptest::prop_assert_eq!(korean_numbers(&source)[0].value, value);
        let right = format!("CAD {} million", value / 1e6);
        proptest::prop_assert!(missing(&source, &right).is_empty());
        // The small model's mistake: both groups' digits glued before "million".
        let wrong = format!("{} million dollars", grouped(eok * 10_000 + man));
        proptest::prop_assert_eq!(missing(&source, &wrong).len(), 1);
    }
}

#[test]
fn a_repeated_figure_with_one_copy_corrupted_is_miscounted() {
    // The case: `’23년` twice, the answer has 2023 once and 2026 once.
    let source = "’23년 상반기 수출은 늘었고 ’23년 하반기에는 줄었다.";
    let wrong = "Exports rose in the first half of 2023 and fell in the second half of 2026.";
    // Neither check that asks whether a figure occurs sees it.
    assert!(missing(source, wrong).is_empty());
    assert!(added(source, wrong).is_empty());
    let got = miscounted(source, wrong);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].mention.text, "’23년");
    assert_eq!(got[0].mention.value, 2023.0);
    assert_eq!((got[0].in_source, got[0].in_translation), (2, 1));
    let right = "Exports rose in the first half of 2023 and fell in the second half of 2023.";
    assert_eq!(miscounted(source, right), vec![]);
}

#[test]
fn a_repeat_written_once_is_not_miscounted() {
    let source = "’23년 상반기 수출은 늘었고 ’23년 하반기에는 줄었다.";
    let once = "Exports rose in the first half of 2023 and fell in the second half.";
    assert_eq!(miscounted(source, once), vec![]);
}

#[test]
fn a_repeated_myriad_amount_is_counted_in_its_english_form() {
    let source = "올해 1억1천만 달러를 투자했고 내년에도 1억1천만 달러를 투자한다.";
    let wrong = "It invested $110 million this year and will invest $100 million next year.";
    let got = miscounted(source, wrong);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].mention.value, 110_000_000.0);
    assert_eq!((got[0].in_source, got[0].in_translation), (2, 1));
    let right = "It invested $110 million this year and will invest $110 million next year.";
    assert_eq!(miscounted(source, right), vec![]);
}

#[test]
fn counting_is_by_place_and_small_counts_are_no_stray_figures() {
    // A dotted date is one place with a year and a day; two of them in the
    // translation match two in the source.
    let source = "2023.11.06. 발표와 2023.11.06. 보도";
    let right = "the 2023.11.06. announcement and the 2023.11.06. report";
    assert_eq!(miscounted(source, right), vec![]);
    // Three percentages, one rendered as 30% twice and a small count added.
    let source = "30% 증가, 30% 감소, 30% 유지";
    let wrong = "up 30% in two regions, down 30% and 35% unchanged";
    let got = miscounted(source, wrong);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].mention.kind, got[0].mention.value), (Percent, 30.0));
    assert_eq!((got[0].in_source, got[0].in_translation), (3, 2));
}
