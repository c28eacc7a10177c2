//! Running a batch: [`Batch`] evaluates residents (on a thread pool with the `rayon` feature)
//! and counts them into a [`Summary`] as it goes.

use urrbmi::policy::Policy;
use urrbmi::{Assessment, EvalError, Resident, evaluate};

use super::record::{self, Record, Recorder};
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

/// A batch evaluation of residents against one policy: see the [module docs](super).
///
/// What a batch keeps of each resident is the caller's choice: the full assessment
/// ([`Batch::run`], [`Batch::run_into`]), a 88-byte [`Record`] ([`Batch::records_into`]), or
/// nothing ([`Batch::summarize`]). Where it runs too: on the calling thread
/// ([`Batch::parallel`]`(false)`), on rayon's global pool (the default with the `rayon`
/// feature) or on a pool the caller built ([`Batch::on_pool`]). The summary is the same
/// whatever the choice.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    policy: &'a Policy,
    parallel: bool,
    #[cfg(feature = "rayon")]
    pool: Option<&'a rayon::ThreadPool>,
    totals_only: bool,
    groups: Option<(&'a Groups, &'a [GroupId])>,
}

/// What each worker of a batch keeps: the tally of its residents and the rule positions it
/// has looked up.
struct Worker<'p> {
    tally: Tally<'p>,
    recorder: Recorder<'p>,
}

impl<'a> Batch<'a> {
    /// A batch for `policy`: on rayon's global pool when the `rayon` feature is on, with every
    /// breakdown of the summary, without grouping.
    pub fn new(policy: &'a Policy) -> Self {
        Batch {
            policy,
            parallel: cfg!(feature = "rayon"),
            #[cfg(feature = "rayon")]
            pool: None,
            totals_only: false,
            groups: None,
        }
    }

    /// Runs on rayon's global pool (`true`, needs the `rayon` feature; ignored without it) or
    /// on the calling thread only (`false`), instead of any pool given to
    /// [`Batch::on_pool`]. The results are the same either way.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel && cfg!(feature = "rayon");
        #[cfg(feature = "rayon")]
        {
            self.pool = None;
        }
        self
    }

    /// Runs on `pool` (a pool the caller built, with as many threads as it chose) instead of
    /// rayon's global pool. The results are the same on any pool.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use urrbmi::{Policy, Resident};
    /// use urrbmi_analysis::batch::Batch;
    ///
    /// let policy = Policy::builtin("ziyang-2021")?;
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, 15)); 10_000];
    /// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    /// let on_pool = Batch::new(&policy).on_pool(&pool).summarize(&residents)?;
    /// let here = Batch::new(&policy).parallel(false).summarize(&residents)?;
    /// assert_eq!(on_pool, here);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "rayon")]
    pub fn on_pool(mut self, pool: &'a rayon::ThreadPool) -> Self {
        self.parallel = true;
        self.pool = Some(pool);
        self
    }

    /// Whether the batch will run in parallel (on the global pool or on the caller's).
    pub fn is_parallel(&self) -> bool {
        self.parallel
    }

    /// Summarizes the totals, the refusals and the benefit starts only, without the rows by
    /// tier, category and group (see [`Summary::totals_only`]): the least a batch can count.
    pub fn totals_only(mut self) -> Self {
        self.totals_only = true;
        self
    }

    /// Whether the summary will have the totals only.
    pub fn is_totals_only(&self) -> bool {
        self.totals_only
    }

    /// Groups the residents: `ids[i]` is the group of resident `i`, named in `groups`. A
    /// totals-only batch checks the ids but has no rows to count them in.
    pub fn grouped(mut self, groups: &'a Groups, ids: &'a [GroupId]) -> Self {
        self.groups = Some((groups, ids));
        self
    }

    /// The full assessment of one resident, trace and citations included: for the resident
    /// behind one [`Record`] of [`Batch::records_into`] (evaluation gives the same answer
    /// every time, so `Record::of(policy, &batch.assess(&residents[i]))` is `records[i]`).
    ///
    /// # Errors
    ///
    /// The [`EvalError`] of a resident whose data makes no sense, as [`urrbmi::evaluate`].
    pub fn assess(&self, resident: &Resident) -> Result<Assessment<'a>, EvalError> {
        evaluate(self.policy, resident)
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
    /// summary. See [`Batch::run_into`] to reuse the memory of the assessments between runs,
    /// and [`Batch::records_into`] to keep 88 bytes per resident instead of an assessment.
    ///
    /// # Errors
    ///
    /// [`BatchError::GroupCount`] when the batch is grouped with a different number of group
    /// ids than residents.
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
    ///
    /// # Errors
    ///
    /// As [`Batch::run`]; `out` is left as it was.
    pub fn run_into(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
    ) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        Ok(self.fill_assessments(residents, out, ids))
    }

    fn fill_assessments(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
        ids: Option<&[GroupId]>,
    ) -> Summary {
        self.fill(residents, out, ids, &KeepAssessments(self.policy))
    }

    /// Evaluates every resident into `out`, one compact [`Record`] each in input order, and
    /// returns the summary: the batch path for rosters of millions. `out` is reused as
    /// [`Batch::run_into`] reuses its vector; the full assessment of any resident comes back
    /// by [`Batch::assess`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use urrbmi::{Policy, Resident};
    /// use urrbmi_analysis::batch::Batch;
    ///
    /// let policy = Policy::builtin("ziyang-2021")?;
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let residents: Vec<Resident> = (1..=28)
    ///     .map(|day| Resident::new(date(1980, 1, 1), date(2020, 10, day)))
    ///     .collect();
    /// let batch = Batch::new(&policy).totals_only();
    /// let mut records = Vec::new();
    /// let summary = batch.records_into(&residents, &mut records)?;
    /// assert_eq!(records.len(), 28);
    /// let owed: i64 = records.iter().map(|r| r.owed_fen()).sum();
    /// assert_eq!(summary.totals.owed, rust_decimal::Decimal::new(owed, 2));
    /// assert_eq!(summary.benefit_starts["2021-01"].residents, 28);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Batch::run`]; `out` is left as it was.
    pub fn records_into(
        &self,
        residents: &[Resident],
        out: &mut Vec<Record>,
    ) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        Ok(self.fill(residents, out, ids, &KeepRecords(self.policy)))
    }

    /// Evaluates every resident and returns only the summary (nothing is kept per resident,
    /// so the memory used does not grow with the batch).
    ///
    /// # Errors
    ///
    /// As [`Batch::run`].
    pub fn summarize(&self, residents: &[Resident]) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        Ok(self.count(residents, ids))
    }

    fn count(&self, residents: &[Resident], ids: Option<&[GroupId]>) -> Summary {
        // Nothing is kept: the slots take no memory.
        let mut nothing = Vec::new();
        self.fill(residents, &mut nothing, ids, &KeepNothing(self.policy))
    }

    /// Gives each resident a slot of `out` (new slots start blank), has `keep` fill it and
    /// count the resident, chunk by chunk while the chunk is in cache, and returns the
    /// summary. Afterwards `out` holds one slot per resident.
    fn fill<K: Keep<'a>>(
        &self,
        residents: &[Resident],
        out: &mut Vec<K::Slot>,
        ids: Option<&[GroupId]>,
        keep: &K,
    ) -> Summary {
        out.truncate(residents.len());
        let missing = residents.len() - out.len();
        #[cfg(feature = "rayon")]
        if self.parallel {
            use rayon::prelude::*;
            let work = || {
                // New memory is first touched by all workers, not by this thread alone.
                out.par_extend(rayon::iter::repeat_n(keep.blank(), missing));
                residents
                    .par_chunks(CHUNK)
                    .zip(out.par_chunks_mut(CHUNK))
                    .enumerate()
                    .map(|(n, (chunk, slots))| {
                        let mut worker = self.worker();
                        let ids = ids.and_then(|ids| ids.get(n * CHUNK..));
                        for (i, (resident, slot)) in chunk.iter().zip(slots).enumerate() {
                            keep.keep(&mut worker, resident, group_of(ids, i), slot);
                        }
                        worker.tally
                    })
                    .reduce(|| self.tally(), Tally::merged)
            };
            return self.finish(self.on_threads(work));
        }
        out.extend(std::iter::repeat_n(keep.blank(), missing));
        let mut worker = self.worker();
        for (i, (resident, slot)) in residents.iter().zip(out.iter_mut()).enumerate() {
            keep.keep(&mut worker, resident, group_of(ids, i), slot);
        }
        self.finish(worker.tally)
    }

    /// Runs `work` on the caller's pool if one was given, else where it is called (rayon's
    /// parallel iterators then use the global pool).
    #[cfg(feature = "rayon")]
    fn on_threads<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    fn tally(&self) -> Tally<'a> {
        if self.totals_only {
            Tally::totals_only(self.policy)
        } else {
            Tally::new(self.policy)
        }
    }

    fn worker(&self) -> Worker<'a> {
        Worker {
            tally: self.tally(),
            recorder: Recorder::new(self.policy),
        }
    }

    fn finish(&self, tally: Tally<'_>) -> Summary {
        tally.finish(self.groups.map(|(g, _)| g))
    }
}

/// What a batch keeps of each resident (its slot), and how it counts the resident.
trait Keep<'p>: Sync {
    type Slot: Clone + Send + Sync;

    /// A slot before the resident is evaluated.
    fn blank(&self) -> Self::Slot;

    /// Evaluates `resident` into `slot` and counts it.
    fn keep(
        &self,
        worker: &mut Worker<'p>,
        resident: &Resident,
        group: Option<GroupId>,
        slot: &mut Self::Slot,
    );
}

/// Keeps every assessment.
struct KeepAssessments<'p>(&'p Policy);

impl<'p> Keep<'p> for KeepAssessments<'p> {
    type Slot = Result<Assessment<'p>, EvalError>;

    fn blank(&self) -> Self::Slot {
        // A kept slot holds the last run's result, a new one this placeholder (no allocation).
        Err(EvalError::DisabilityWithoutGrade { index: usize::MAX })
    }

    #[inline(always)]
    fn keep(
        &self,
        worker: &mut Worker<'p>,
        resident: &Resident,
        group: Option<GroupId>,
        slot: &mut Self::Slot,
    ) {
        *slot = evaluate(self.0, resident);
        let record = record::amounts_of(self.0, slot);
        worker.tally.add_record(resident, &record, slot, group);
    }
}

/// Keeps a [`Record`] of each resident.
struct KeepRecords<'p>(&'p Policy);

impl<'p> Keep<'p> for KeepRecords<'p> {
    type Slot = Record;

    fn blank(&self) -> Record {
        Record::default()
    }

    #[inline(always)]
    fn keep(
        &self,
        worker: &mut Worker<'p>,
        resident: &Resident,
        group: Option<GroupId>,
        slot: &mut Record,
    ) {
        let result = evaluate(self.0, resident);
        worker.recorder.fill(&result, slot);
        worker.tally.add_record(resident, slot, &result, group);
    }
}

/// Keeps nothing: counts only.
struct KeepNothing<'p>(&'p Policy);

impl<'p> Keep<'p> for KeepNothing<'p> {
    type Slot = ();

    fn blank(&self) {}

    #[inline(always)]
    fn keep(
        &self,
        worker: &mut Worker<'p>,
        resident: &Resident,
        group: Option<GroupId>,
        _: &mut (),
    ) {
        worker
            .tally
            .add(resident, &evaluate(self.0, resident), group);
    }
}

/// The group of resident `i` of a chunk whose group ids start at `ids`.
#[inline]
fn group_of(ids: Option<&[GroupId]>, i: usize) -> Option<GroupId> {
    ids.and_then(|ids| ids.get(i).copied())
}

/// Evaluates every resident against `policy` (in parallel with the `rayon` feature) and
/// summarizes, without grouping. See [`Batch`] for grouping and for choosing the threads.
pub fn evaluate_batch<'p>(policy: &'p Policy, residents: &[Resident]) -> BatchOutput<'p> {
    let mut assessments = Vec::new();
    let summary = Batch::new(policy).fill_assessments(residents, &mut assessments, None);
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

/// The summary of evaluating every resident against `policy` (in parallel with the `rayon`
/// feature), without grouping and without keeping the assessments.
pub fn summarize(policy: &Policy, residents: &[Resident]) -> Summary {
    Batch::new(policy).count(residents, None)
}
