//! Hostile roster cells (issue "Hostile inputs, round 2", finding 11): dates with a sign,
//! doubled separators or year 0000, and ID numbers born in year 0000, are row errors that say
//! what is accepted, never a plausible date.

use urrbmi_analysis::idcard;
use urrbmi_analysis::roster::{RosterReader, RowProblem};

#[test]
fn lenient_dates_in_a_roster_are_row_errors() {
    let mut csv = String::from("id,birth_date,payment_date\n");
    let bad = [
        "-2020-10-15",
        "2020//10//15",
        "-0001-01-01",
        "0000-01-01",
        "2020-10-15-",
    ];
    for (i, text) in bad.iter().enumerate() {
        csv.push_str(&format!("r{i},1980-01-01,{text}\n"));
    }
    csv.push_str("ok,1980-01-01,2020-10-15\n");
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("headings")
        .read_all()
        .expect("readable");
    assert_eq!(chunk.residents.len(), 1, "only the good row reads");
    assert_eq!(chunk.errors.len(), bad.len());
    for (error, text) in chunk.errors.iter().zip(bad) {
        assert_eq!(error.value, text);
        assert!(
            matches!(error.problem, RowProblem::Date(_)),
            "{text}: {error:?}"
        );
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }
}

#[test]
fn an_id_number_born_in_year_0000_is_refused() {
    let first17 = "43010200000115123";
    let check = idcard::check_character(first17).expect("17 digits");
    let number = format!("{first17}{check}");
    assert!(matches!(
        idcard::birth_date(&number),
        Err(idcard::IdNumberError::BirthDate { .. })
    ));
}

/// Summaries read from JSON (made elsewhere) that cannot be added: more local funders than a
/// total holds, or a sum out of Decimal's range, are an error, not a panic.
#[test]
fn summaries_from_json_that_cannot_be_added_are_an_error() {
    use urrbmi_analysis::batch::SummaryError;
    let summary = |subsidies: &str, charged: &str| {
        let mut json = serde_json::to_value(urrbmi_analysis::Summary::default()).expect("JSON");
        json["policy"] = "p".into();
        json["totals"]["charged"] = charged.into();
        json["totals"]["subsidies"] = serde_json::from_str(subsidies).expect("a map");
        serde_json::from_value::<urrbmi_analysis::Summary>(json).expect("a summary")
    };
    let mut left = summary(r#"{"a_fund": "1", "b_fund": "1", "c_fund": "1"}"#, "3");
    let before = left.clone();
    let right = summary(r#"{"d_fund": "1", "e_fund": "1"}"#, "2");
    match left.merge(&right) {
        Err(SummaryError::OutOfRange { what }) => assert!(what.contains("at most 4"), "{what}"),
        other => panic!("five local funders merged: {other:?}"),
    }
    assert_eq!(left, before, "the totals are left as they were");

    let max = "79228162514264337593543950335";
    let mut big = summary("{}", max);
    match big.merge(&summary("{}", max)) {
        Err(SummaryError::OutOfRange { what }) => assert_eq!(what, "charged"),
        other => panic!("an overflowing sum merged: {other:?}"),
    }
}
