//! Writing rosters: residents back as a roster ([`RosterWriter`]) and one result row per
//! roster row ([`ResultWriter`]).

use std::io;

use chrono::{Datelike, NaiveDate};

use urrbmi::{Assessment, EvalError, Funder};
use urrbmi::{Enrollment, Hukou, Resident};

use super::RowError;
use super::headings::{RESULT_HEADINGS, WRITER_HEADINGS};

/// Writes residents as a roster that [`RosterReader`](super::RosterReader) reads back.
#[derive(Debug)]
pub struct RosterWriter<W: io::Write> {
    csv: csv::Writer<W>,
    record: csv::ByteRecord,
}

impl<W: io::Write> RosterWriter<W> {
    /// Writes the heading row ([`WRITER_HEADINGS`]).
    pub fn new(writer: W) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(WRITER_HEADINGS)
            .map_err(io::Error::other)?;
        Ok(RosterWriter {
            csv,
            record: csv::ByteRecord::new(),
        })
    }

    /// Writes one resident, with its township, name and ID number if given.
    pub fn write(
        &mut self,
        resident: &Resident,
        township: Option<&str>,
        name: Option<&str>,
        id_number: Option<&str>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let r = &mut self.record;
        r.clear();
        let mut text = String::new();
        r.push_field(resident.id.as_deref().unwrap_or("").as_bytes());
        r.push_field(name.unwrap_or("").as_bytes());
        let _ = write!(text, "{}", resident.birth_date);
        r.push_field(text.as_bytes());
        // urrbmi's enums may grow: a value without an arm here is written by its serde id,
        // which `RosterReader` reads back as well.
        let id;
        r.push_field(match resident.hukou {
            Hukou::Local => b"local",
            Hukou::Other => b"other",
            #[allow(unreachable_patterns)]
            other => {
                id = serde_id(&other);
                id.as_bytes()
            }
        });
        r.push_field(flag(resident.residence_permit));
        r.push_field(resident.student.id().as_bytes());
        let id;
        r.push_field(match resident.enrollment {
            Enrollment::Renewal => b"renewal".as_slice(),
            Enrollment::FirstTime => b"first_time",
            Enrollment::Lapsed => b"lapsed",
            #[allow(unreachable_patterns)]
            other => {
                id = serde_id(&other);
                id.as_bytes()
            }
        });
        for years in [
            resident.lapsed_years,
            Some(resident.repair_years).filter(|y| *y > 0),
            resident.continuous_years,
        ] {
            text.clear();
            if let Some(years) = years {
                let _ = write!(text, "{years}");
            }
            r.push_field(text.as_bytes());
        }
        r.push_field(flag(resident.claim_free_last_year));
        r.push_field(flag(resident.parent_insured));
        r.push_field(flag(resident.new_entrant));
        r.push_field(flag(resident.household_unit));
        r.push_field(flag(resident.employee_insurance_obligated));
        text.clear();
        for (i, held) in resident.categories.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(held.kind.id());
            if let Some(grade) = held.grade {
                let _ = write!(text, ":{grade}");
            }
            if let Some(date) = held.recognized_on {
                let _ = write!(text, "@{date}");
            }
        }
        r.push_field(text.as_bytes());
        r.push_field(
            resident
                .special
                .as_ref()
                .map_or("", |s| s.kind.id())
                .as_bytes(),
        );
        text.clear();
        if let Some(date) = resident.special.as_ref().and_then(|s| s.date) {
            let _ = write!(text, "{date}");
        }
        r.push_field(text.as_bytes());
        text.clear();
        let _ = write!(text, "{}", resident.payment_date);
        r.push_field(text.as_bytes());
        r.push_field(township.unwrap_or("").as_bytes());
        r.push_field(id_number.unwrap_or("").as_bytes());
        text.clear();
        if resident.contribution_grade != 1 {
            let _ = write!(text, "{}", resident.contribution_grade);
        }
        r.push_field(text.as_bytes());
        self.csv
            .write_byte_record(&self.record)
            .map_err(io::Error::other)
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

/// The id of an enum value as serde writes it (`first_time`); empty if it is not a string.
#[cold]
fn serde_id<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(id)) => id,
        _ => String::new(),
    }
}

fn flag(yes: bool) -> &'static [u8] {
    if yes { b"true" } else { b"false" }
}

/// Writes per-resident results as CSV, one row per roster row (bad rows included, with their
/// error), so the results join back to the roster by line.
#[derive(Debug)]
pub struct ResultWriter<W: io::Write> {
    csv: csv::Writer<W>,
    record: csv::ByteRecord,
    text: String,
    /// The funders with a column, in order: the built-in ones, then the policy's own.
    funders: Vec<Funder>,
    /// How many cells a row has.
    width: usize,
}

/// Where the policy's own funders' columns go in [`ResultWriter`]'s rows: after
/// `entitled_group_fund`.
const LOCAL_FUNDERS_AT: usize = 13;

impl<W: io::Write> ResultWriter<W> {
    /// Writes the heading row: [`RESULT_HEADINGS`], with a column for each funder `policy`
    /// declares (`[[funder]]`, headed by its id, in the order of declaration) after
    /// `entitled_group_fund`, so that `owed` and the funders' columns add up to `charged`.
    pub fn new(writer: W, policy: &urrbmi::Policy) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        let locals: Vec<(Funder, &str)> = policy
            .spec()
            .funders
            .iter()
            .filter_map(|declared| {
                let id = urrbmi::LocalId::new(&declared.id)?;
                Some((Funder::Local(id), declared.id.as_str()))
            })
            .collect();
        let mut headings: Vec<&str> = RESULT_HEADINGS.to_vec();
        headings.splice(
            LOCAL_FUNDERS_AT..LOCAL_FUNDERS_AT,
            locals.iter().map(|(_, id)| *id),
        );
        csv.write_record(&headings).map_err(io::Error::other)?;
        let mut funders = Funder::ALL.to_vec();
        funders.extend(locals.iter().map(|(funder, _)| *funder));
        Ok(ResultWriter {
            csv,
            record: csv::ByteRecord::new(),
            text: String::new(),
            funders,
            width: headings.len(),
        })
    }

    /// Writes the result for one resident.
    pub fn write(
        &mut self,
        line: u64,
        resident: &Resident,
        name: Option<&str>,
        group: Option<&str>,
        result: &Result<Assessment, EvalError>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let text = &mut self.text;
        let r = &mut self.record;
        r.clear();
        text.clear();
        let _ = write!(text, "{line}");
        r.push_field(text.as_bytes());
        r.push_field(resident.id.as_deref().unwrap_or("").as_bytes());
        r.push_field(name.unwrap_or("").as_bytes());
        r.push_field(group.unwrap_or("").as_bytes());
        match result {
            Ok(a) => {
                r.push_field(if a.is_enrolled() {
                    b"enrolled"
                } else {
                    b"refused"
                });
                r.push_field(a.refusal.as_ref().map_or("", |x| x.code.id()).as_bytes());
                r.push_field(a.tier.unwrap_or("").as_bytes());
                let money =
                    |text: &mut String, r: &mut csv::ByteRecord, d: rust_decimal::Decimal| {
                        text.clear();
                        let _ = write!(text, "{}", crate::money::canonical(d));
                        r.push_field(text.as_bytes());
                    };
                money(text, r, a.charged);
                money(text, r, a.owed);
                money(
                    text,
                    r,
                    a.prior_year_charge
                        .as_ref()
                        .map_or(rust_decimal::Decimal::ZERO, |p| p.amount),
                );
                for funder in &self.funders {
                    money(text, r, a.subsidies.get(*funder));
                }
                let date = |text: &mut String, r: &mut csv::ByteRecord, d: Option<NaiveDate>| {
                    text.clear();
                    if let Some(d) = d {
                        let _ = write!(text, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
                    }
                    r.push_field(text.as_bytes());
                };
                date(text, r, a.benefit_start);
                date(text, r, a.benefit_end);
                let decider = a.trace.iter().find(|s| s.decides);
                r.push_field(decider.as_ref().map_or("", |s| s.rule).as_bytes());
                r.push_field(decider.as_ref().map_or("", |s| s.citation).as_bytes());
                r.push_field(b"");
            }
            Err(error) => {
                r.push_field(b"error");
                // Blank from `refusal` to `citation`: all but the first five and the last.
                for _ in 0..self.width.saturating_sub(6) {
                    r.push_field(b"");
                }
                text.clear();
                let _ = write!(text, "{error}");
                r.push_field(text.as_bytes());
            }
        }
        self.csv
            .write_byte_record(&self.record)
            .map_err(io::Error::other)
    }

    /// Writes a row that could not be read.
    pub fn write_row_error(&mut self, error: &RowError) -> io::Result<()> {
        let mut cells: Vec<String> = vec![String::new(); self.width];
        for (i, cell) in [
            (0, error.line.to_string()),
            (4, "error".into()),
            (self.width.saturating_sub(1), error.to_string()),
        ] {
            if let Some(slot) = cells.get_mut(i) {
                *slot = cell;
            }
        }
        self.csv.write_record(&cells).map_err(io::Error::other)
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}
