//! The threads that run database work, so it never blocks the async workers.
//!
//! A fixed set of threads (one per pooled connection) takes jobs from one queue. What sets
//! it apart from a general blocking pool is when a sleeping thread is woken, which is most
//! of the cost of handing a point query to another thread: a futex call and two context
//! switches, several times the query itself on SQLite.
//!
//! - [`Wake::WhenBacklogged`] (SQLite): a job is local CPU work of microseconds, so a
//!   thread that is running one is about to be free. A sleeping thread is woken only when
//!   the queue holds more jobs than there are threads awake; under load the awake threads
//!   drain the queue back to back and nobody sleeps or wakes between jobs. A job that was
//!   queued without waking anyone is told so ([`Queued::BehindRunning`]); if its result has
//!   not come within [`NUDGE_AFTER`], the caller [nudges](Executor::nudge) a sleeping thread,
//!   so a job stuck on a lock (another process's write transaction, say) delays the jobs
//!   queued behind it by that much, not by its own duration.
//! - [`Wake::WhenAnyWaits`] (PostgreSQL): a running job mostly waits on the network, so a
//!   job never waits while a thread sleeps.
//!
//! The queue is bounded by the caller ([`super::Db::run`] holds one of `max_connections`
//! permits per job), so it never holds more jobs than there are threads.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a job queued behind running ones may wait before a sleeping thread is woken
/// for it: far longer than an SQLite point query, far shorter than a lock wait.
pub const NUDGE_AFTER: std::time::Duration = std::time::Duration::from_millis(2);

/// What [`Executor::submit`] did with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A thread was woken for it, or an awake thread is free to take it.
    Taken,
    /// It waits for a running job to finish, while a thread may be asleep.
    BehindRunning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Wake a thread when the queue is longer than the number of threads awake.
    WhenBacklogged,
    /// Wake a thread when a queued job finds no awake thread free to take it.
    WhenAnyWaits,
}

pub struct Executor {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    work_available: Condvar,
    threads: usize,
    wake: Wake,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting on `work_available`.
    parked: usize,
    /// Parked threads already notified that have not taken the lock again: they count as
    /// awake, so a burst does not wake more threads than it needs.
    notified: usize,
    /// Threads running a job.
    running: usize,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No job runs under this lock, so a poisoned lock still guards a sound queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Executor {
    pub fn new(threads: usize, wake: Wake, name: &str) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work_available: Condvar::new(),
            threads,
            wake,
        });
        for i in 0..threads {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || work(&shared))?;
        }
        Ok(Self { shared })
    }

    /// Queues a job. A job that panics is caught; whoever waits for its result sees it end
    /// without one.
    pub fn submit(&self, job: Job) -> Queued {
        let mut state = self.shared.lock();
        state.jobs.push_back(job);
        let awake = self.shared.threads - state.parked + state.notified;
        let free = awake - state.running;
        let takers = match self.shared.wake {
            Wake::WhenBacklogged => awake,
            Wake::WhenAnyWaits => free,
        };
        if state.jobs.len() > takers && state.parked > state.notified {
            state.notified += 1;
            drop(state);
            self.shared.work_available.notify_one();
            return Queued::Taken;
        }
        if state.jobs.len() > free && state.parked > state.notified {
            Queued::BehindRunning
        } else {
            Queued::Taken
        }
    }

    /// Wakes a sleeping thread if jobs are waiting: for a job that has waited
    /// [`NUDGE_AFTER`] behind running ones.
    pub fn nudge(&self) {
        let mut state = self.shared.lock();
        if !state.jobs.is_empty() && state.parked > state.notified {
            state.notified += 1;
            drop(state);
            self.shared.work_available.notify_one();
        }
    }
}

impl Drop for Executor {
    /// Threads finish the queued jobs, then end.
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.work_available.notify_all();
    }
}

fn work(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if let Some(job) = state.jobs.pop_front() {
            state.running += 1;
            drop(state);
            // The job reports its own result; a panic only has to leave this thread alive.
            let _ = catch_unwind(AssertUnwindSafe(job));
            state = shared.lock();
            state.running -= 1;
            continue;
        }
        if state.closed {
            return;
        }
        state.parked += 1;
        state = shared
            .work_available
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
        state.parked -= 1;
        state.notified = state.notified.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// Polls (with a deadline) until every thread waits for work.
    fn all_parked(executor: &Executor) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while executor.shared.lock().parked < executor.shared.threads {
            assert!(Instant::now() < deadline, "threads never parked");
            std::thread::yield_now();
        }
    }

    #[test]
    fn runs_every_job_and_survives_a_panicking_one() {
        for wake in [Wake::WhenBacklogged, Wake::WhenAnyWaits] {
            let executor = Executor::new(2, wake, "test-db").unwrap();
            let (tx, rx) = mpsc::channel();
            executor.submit(Box::new(|| panic!("a job that panics")));
            for i in 0..100 {
                let tx = tx.clone();
                executor.submit(Box::new(move || tx.send(i).unwrap()));
            }
            let mut seen: Vec<i32> = (0..100)
                .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..100).collect::<Vec<_>>());
        }
    }

    /// Jobs that each wait for all the others to start finish only if every thread runs
    /// one at once: on PostgreSQL, a job never waits behind a running one while a thread
    /// sleeps.
    #[test]
    fn waiting_jobs_wake_every_thread_they_need() {
        let executor = Executor::new(4, Wake::WhenAnyWaits, "test-db").unwrap();
        // Every thread parked first, so each job has to wake one.
        all_parked(&executor);
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let (tx, rx) = mpsc::channel();
        for _ in 0..4 {
            let (barrier, tx) = (barrier.clone(), tx.clone());
            executor.submit(Box::new(move || {
                barrier.wait();
                tx.send(()).unwrap();
            }));
        }
        for _ in 0..4 {
            rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
    }

    /// On SQLite a backlog wakes more threads: two jobs beyond the awake ones do.
    #[test]
    fn a_backlog_wakes_another_thread() {
        let executor = Executor::new(2, Wake::WhenBacklogged, "test-db").unwrap();
        all_parked(&executor);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (tx, rx) = mpsc::channel();
        for _ in 0..2 {
            let (barrier, tx) = (barrier.clone(), tx.clone());
            executor.submit(Box::new(move || {
                barrier.wait();
                tx.send(()).unwrap();
            }));
        }
        // The first job woke one thread; the second waits for it unless a third arrives.
        let (tx3, rx3) = mpsc::channel();
        executor.submit(Box::new(move || tx3.send(()).unwrap()));
        for _ in 0..2 {
            rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        rx3.recv_timeout(Duration::from_secs(5)).unwrap();
    }

    /// A job queued behind a stuck one (a lock wait) is reported as such, and a nudge gets
    /// it a thread of its own.
    #[test]
    fn a_nudge_frees_a_job_queued_behind_a_stuck_one() {
        let executor = Executor::new(2, Wake::WhenBacklogged, "test-db").unwrap();
        all_parked(&executor);
        let (release, stuck) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel();
        executor.submit(Box::new(move || {
            started_tx.send(()).unwrap();
            let _ = stuck.recv();
        }));
        started.recv_timeout(Duration::from_secs(5)).unwrap();
        let (tx, rx) = mpsc::channel();
        let queued = executor.submit(Box::new(move || tx.send(()).unwrap()));
        assert_eq!(queued, Queued::BehindRunning);
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
        executor.nudge();
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        release.send(()).unwrap();
    }

    #[test]
    fn dropping_the_executor_finishes_queued_jobs() {
        let executor = Executor::new(1, Wake::WhenAnyWaits, "test-db").unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..10 {
            let tx = tx.clone();
            executor.submit(Box::new(move || tx.send(i).unwrap()));
        }
        drop(executor);
        drop(tx);
        assert_eq!(rx.iter().count(), 10);
    }
}
