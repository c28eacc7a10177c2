//! Running a batch: [`Batch`] evaluates residents (on a thread pool with the `rayon` feature)
//! and counts them into a [`Summary`] as it goes.

use urrbmi::policy::Policy;
use urrbmi::{Assessment, EvalError, Resident, evaluate};

use super::{GroupId, Groups, Summary, Tally};

/// How many residents one task takes when a batch runs in parallel.
#[cfg(feature = "rayon")]
const CHUNK: usize = 4096;

/// The per-resident answers of a batch, in input order, and their summary. The assessments
/// borrow from the policy (`'p`).
#[derive(Debug, Clone)]
pub struct BatchOutput<'p> {
    /// One result per resident, in the order given.
    pub assessments: Vec<Result<Assessment<'p>, EvalError>>,
    /// The summary of all of them.
    pub summary: Summary,
}

/// A batch whose grouping does not fit its residents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The group ids are not one per resident.
    #[error(
        "{groups} group ids were given for {residents} residents; give exactly one group id per resident, in the same order"
    )]
    GroupCount {
        /// The number of residents.
        residents: usize,
        /// The number of group ids.
        groups: usize,
    },
}

/// A batch evaluation of residents against one policy: see the [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    policy: &'a Policy,
    parallel: bool,
    groups: Option<(&'a Groups, &'a [GroupId])>,
}

impl<'a> Batch<'a> {
    /// A batch for `policy`: parallel when the `rayon` feature is on, without grouping.
    pub fn new(policy: &'a Policy) -> Self {
        Batch {
            policy,
            parallel: cfg!(feature = "rayon"),
            groups: None,
        }
    }

    /// Runs on all cores (`true`, needs the `rayon` feature; ignored without it) or on the
    /// calling thread only (`false`). The results are the same either way.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel && cfg!(feature = "rayon");
        self
    }

    /// Whether the batch will run in parallel.
    pub fn is_parallel(&self) -> bool {
        self.parallel
    }

    /// Groups the residents: `ids[i]` is the group of resident `i`, named in `groups`.
    pub fn grouped(mut self, groups: &'a Groups, ids: &'a [GroupId]) -> Self {
        self.groups = Some((groups, ids));
        self
    }

    fn check(&self, residents: &[Resident]) -> Result<Option<&'a [GroupId]>, BatchError> {
        match self.groups {
            Some((_, ids)) if ids.len() != residents.len() => Err(BatchError::GroupCount {
                residents: residents.len(),
                groups: ids.len(),
            }),
            Some((_, ids)) => Ok(Some(ids)),
            None => Ok(None),
        }
    }

    /// Evaluates every resident and summarizes: the assessments in input order and the
    /// summary. See [`Batch::run_into`] to reuse the memory of the assessments between runs.
    pub fn run(&self, residents: &[Resident]) -> Result<BatchOutput<'a>, BatchError> {
        let mut assessments = Vec::new();
        let summary = self.run_into(residents, &mut assessments)?;
        Ok(BatchOutput {
            assessments,
            summary,
        })
    }

    /// Like [`Batch::run`], but puts the assessments into `out` and returns the summary:
    /// afterwards `out` holds one result per resident, in input order, whatever it held
    /// before. Giving the same vector to run after run reuses its memory instead of allocating
    /// (and the kernel clearing) fresh memory for every batch.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use urrbmi_analysis::batch::Batch;
    /// use urrbmi::{Policy, Resident};
    ///
    /// let policy = Policy::builtin("ziyang-2021")?;
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let batch = Batch::new(&policy);
    /// let mut out = Vec::new();
    /// for day in 1..=3 {
    ///     let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, day)); 100];
    ///     let summary = batch.run_into(&residents, &mut out)?;
    ///     assert_eq!((out.len(), summary.totals.enrolled), (100, 100));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_into(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
    ) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        Ok(self.fill(residents, out, ids))
    }

    /// Puts one result per resident into `out` and returns their summary. Each task
    /// evaluates a chunk into its part of `out` and counts it while it is still in cache;
    /// every worker evaluates against the one policy (assessments only borrow from it).
    fn fill(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
        ids: Option<&[GroupId]>,
    ) -> Summary {
        let groups = self.groups.map(|(g, _)| g);
        let policy = self.policy;
        // One slot per resident, each overwritten below: a kept slot holds the last run's
        // result, a new one this placeholder (no allocation).
        let placeholder = Err(EvalError::DisabilityWithoutGrade { index: usize::MAX });
        out.truncate(residents.len());
        let missing = residents.len() - out.len();
        #[cfg(feature = "rayon")]
        if self.parallel {
            use rayon::prelude::*;
            // New memory is first touched by all workers, not by this thread alone.
            out.par_extend(rayon::iter::repeat_n(placeholder, missing));
            let tally = residents
                .par_chunks(CHUNK)
                .zip(out.par_chunks_mut(CHUNK))
                .enumerate()
                .map(|(n, (chunk, slots))| {
                    let mut tally = Tally::new(policy);
                    let ids = ids.and_then(|ids| ids.get(n * CHUNK..));
                    fill_chunk(&mut tally, policy, chunk, slots, ids);
                    tally
                })
                .reduce(|| Tally::new(policy), Tally::merged);
            return tally.finish(groups);
        }
        out.extend(std::iter::repeat_n(placeholder, missing));
        let mut tally = Tally::new(policy);
        fill_chunk(&mut tally, policy, residents, out, ids);
        tally.finish(groups)
    }

    /// Evaluates every resident and returns only the summary (no assessment is kept, so the
    /// memory used does not grow with the batch).
    pub fn summarize(&self, residents: &[Resident]) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        let groups = self.groups.map(|(g, _)| g);
        #[cfg(feature = "rayon")]
        if self.parallel {
            use rayon::prelude::*;
            let policy = self.policy;
            let tally = residents
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(n, chunk)| {
                    let mut tally = Tally::new(policy);
                    let ids = ids.and_then(|ids| ids.get(n * CHUNK..));
                    tally_chunk(&mut tally, policy, chunk, ids);
                    tally
                })
                .reduce(|| Tally::new(policy), Tally::merged);
            return Ok(tally.finish(groups));
        }
        let mut tally = Tally::new(self.policy);
        tally_chunk(&mut tally, self.policy, residents, ids);
        Ok(tally.finish(groups))
    }
}

/// Evaluates `residents` into `slots` (one each) and counts them into `tally`.
fn fill_chunk<'p>(
    tally: &mut Tally<'p>,
    policy: &'p Policy,
    residents: &[Resident],
    slots: &mut [Result<Assessment<'p>, EvalError>],
    ids: Option<&[GroupId]>,
) {
    for (i, (resident, slot)) in residents.iter().zip(slots).enumerate() {
        *slot = evaluate(policy, resident);
        tally.add(resident, slot, ids.and_then(|ids| ids.get(i).copied()));
    }
}

/// Evaluates `residents` under `evaluator` and counts them into `tally`.
fn tally_chunk(
    tally: &mut Tally<'_>,
    evaluator: &Policy,
    residents: &[Resident],
    ids: Option<&[GroupId]>,
) {
    for (i, resident) in residents.iter().enumerate() {
        let group = ids.and_then(|ids| ids.get(i).copied());
        tally.add(resident, &evaluate(evaluator, resident), group);
    }
}

/// Evaluates every resident against `policy` (in parallel with the `rayon` feature) and
/// summarizes, without grouping. See [`Batch`] for grouping and for choosing one thread.
pub fn evaluate_batch<'p>(policy: &'p Policy, residents: &[Resident]) -> BatchOutput<'p> {
    let mut assessments = Vec::new();
    let summary = Batch::new(policy).fill(residents, &mut assessments, None);
    BatchOutput {
        assessments,
        summary,
    }
}

/// The summary of residents taken from an iterator (a channel, a file being read), evaluated
/// one at a time on the calling thread, without grouping. See [`Tally`] to group them.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{Policy, Resident};
/// use urrbmi_analysis::batch::summarize_iter;
/// let policy = Policy::builtin("ziyang-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let residents = (1..=28).map(|day| Resident::new(date(1980, 1, 1), date(2020, 10, day)));
/// assert_eq!(summarize_iter(&policy, residents).totals.enrolled, 28);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn summarize_iter<R: std::borrow::Borrow<Resident>>(
    policy: &Policy,
    residents: impl IntoIterator<Item = R>,
) -> Summary {
    let mut tally = Tally::new(policy);
    for resident in residents {
        let resident = resident.borrow();
        tally.add(resident, &evaluate(policy, resident), None);
    }
    tally.finish(None)
}

/// The summary of evaluating every resident against `policy`, without grouping and without
/// keeping the assessments.
pub fn summarize(policy: &Policy, residents: &[Resident]) -> Summary {
    match Batch::new(policy).summarize(residents) {
        Ok(summary) => summary,
        // Without grouping there is nothing to mismatch; count every resident anyway.
        Err(_) => {
            let mut tally = Tally::new(policy);
            tally_chunk(&mut tally, policy, residents, None);
            tally.finish(None)
        }
    }
}
