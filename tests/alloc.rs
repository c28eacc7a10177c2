//! `evaluate` on a loaded policy never touches the heap: a counting global allocator watches
//! every call over the benchmark's resident mix, for every built-in policy.

#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use urrbmi::{Policy, evaluate};

/// Counts the allocations of the current thread (other test threads do not disturb it).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded to `System` unchanged; counting touches only a thread-local
// `Cell` that needs no allocation and has no destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn the_counter_sees_allocations() {
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(allocations() - before, 1);
    drop(v);
}

#[test]
fn evaluate_makes_no_heap_allocation_for_the_resident_mix() {
    for policy in Policy::builtins().expect("built-in policies") {
        let residents = common::mix(policy, common::MIX_SIZE, common::SEED);
        let mut total = 0;
        let mut first = None;
        for resident in &residents {
            let before = allocations();
            let assessment = evaluate(policy, resident).expect("the mix holds valid residents");
            std::hint::black_box(&assessment);
            let made = allocations() - before;
            total += made;
            if made > 0 && first.is_none() {
                first = Some(resident);
            }
        }
        assert_eq!(
            total,
            0,
            "{}: {total} heap allocations over {} evaluations, first for {first:?}",
            policy.id(),
            residents.len()
        );
    }
}

#[test]
fn an_assessment_borrows_its_strings_from_its_policy() {
    // No string is copied and no reference counted: the policy id, the tier id and the
    // refusal message are the policy's own text, so threads sharing one policy write nothing
    // shared (docs/performance.md). A clone decides the same and lends its own copies.
    let policy = Policy::builtin("ziyang-2021").expect("built-in policy");
    let clone = policy.clone();
    let residents = common::mix(policy, 64, common::SEED);
    for resident in &residents {
        let a = evaluate(policy, resident).expect("the mix holds valid residents");
        let b = evaluate(&clone, resident).expect("the mix holds valid residents");
        assert_eq!(a, b, "the clone decides the same");
        assert!(std::ptr::eq(a.policy, policy.id()));
        assert!(std::ptr::eq(b.policy, clone.id()));
        if let Some(tier) = a.tier {
            let own = policy.spec().tiers.iter().any(|t| t.id == tier);
            assert!(own, "{tier} is a tier of the policy");
        }
        if let (Some(x), Some(y)) = (&a.refusal, &b.refusal) {
            assert!(
                !std::ptr::eq(x.message, y.message),
                "each policy lends its own text"
            );
        }
    }
}
