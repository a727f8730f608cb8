//! The atomics of `std::sync::atomic`, model-checked and recorded: the trace shows the value
//! each load saw and each store wrote, which is how a lost update reads.

use std::fmt;
use std::panic::Location;

use super::note;
use crate::model::trace::{self, Kind, Obj, Op, Value};

pub use loom::sync::atomic::Ordering;

/// Records a read-modify-write that changed `from` into `to`.
#[track_caller]
fn updated(obj: Obj, name: &'static str, arg: Option<Value>, from: Value, to: Value) {
    note(
        Op::Update {
            obj,
            name,
            arg,
            from,
            to,
        },
        Location::caller(),
    );
}

/// Records a compare-and-exchange and passes its result on.
#[track_caller]
fn exchanged<T: Copy>(
    obj: Obj,
    current: Value,
    new: Value,
    result: Result<T, T>,
    value: impl Fn(T) -> Value,
) -> Result<T, T> {
    let result_value = result.map(&value).map_err(&value);
    note(
        Op::Exchange {
            obj,
            current,
            new,
            result: result_value,
        },
        Location::caller(),
    );
    result
}

/// Defines the wrapper of one of loom's atomic types; `$value` turns its value into a [`Value`],
/// `$ops` are the read-modify-writes it has, each with how it computes the new value.
macro_rules! atomic {
    ($name:ident, $t:ty, $value:expr, { $($op:ident => $apply:expr),* $(,)? }) => {
        #[doc = concat!("`std::sync::atomic::", stringify!($name), "`, model-checked and recorded.")]
        pub struct $name {
            id: Obj,
            inner: loom::sync::atomic::$name,
        }

        impl $name {
            #[track_caller]
            pub fn new(value: $t) -> Self {
                Self {
                    id: trace::create(Kind::Atomic, Location::caller()),
                    inner: loom::sync::atomic::$name::new(value),
                }
            }

            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                let value = self.inner.load(order);
                note(Op::Load(self.id, $value(value)), Location::caller());
                value
            }

            #[track_caller]
            pub fn store(&self, value: $t, order: Ordering) {
                note(Op::Store(self.id, $value(value)), Location::caller());
                self.inner.store(value, order);
            }

            #[track_caller]
            pub fn swap(&self, value: $t, order: Ordering) -> $t {
                let old = self.inner.swap(value, order);
                updated(self.id, "swap", Some($value(value)), $value(old), $value(value));
                old
            }

            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                let result = self.inner.compare_exchange(current, new, success, failure);
                exchanged(self.id, $value(current), $value(new), result, $value)
            }

            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                let result = self.inner.compare_exchange_weak(current, new, success, failure);
                exchanged(self.id, $value(current), $value(new), result, $value)
            }

            /// Records the new value the closure chose, or the value it gave up on.
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                let mut chosen = None;
                let result = self.inner.fetch_update(set_order, fetch_order, |v| {
                    chosen = f(v);
                    chosen
                });
                match (result, chosen) {
                    (Ok(old), Some(new)) => {
                        updated(self.id, "fetch_update", None, $value(old), $value(new))
                    }
                    (Ok(value) | Err(value), _) => {
                        note(Op::Load(self.id, $value(value)), Location::caller())
                    }
                }
                result
            }

            pub fn into_inner(self) -> $t {
                self.inner.into_inner()
            }

            $(
                #[track_caller]
                pub fn $op(&self, value: $t, order: Ordering) -> $t {
                    let old = self.inner.$op(value, order);
                    let apply: fn($t, $t) -> $t = $apply;
                    updated(
                        self.id,
                        stringify!($op),
                        Some($value(value)),
                        $value(old),
                        $value(apply(old, value)),
                    );
                    old
                }
            )*
        }

        impl Default for $name {
            #[track_caller]
            fn default() -> Self {
                Self::new(Default::default())
            }
        }

        impl From<$t> for $name {
            #[track_caller]
            fn from(value: $t) -> Self {
                Self::new(value)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

/// [`atomic!`] for an integer type.
macro_rules! atomic_int {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(
            atomic!($name, $t, |v: $t| Value::Int(v as i128), {
                fetch_add => |a, b| a.wrapping_add(b),
                fetch_sub => |a, b| a.wrapping_sub(b),
                fetch_and => |a, b| a & b,
                fetch_nand => |a, b| !(a & b),
                fetch_or => |a, b| a | b,
                fetch_xor => |a, b| a ^ b,
                fetch_max => |a: $t, b| a.max(b),
                fetch_min => |a: $t, b| a.min(b),
            });
        )*
    };
}

atomic_int!(
    AtomicUsize: usize,
    AtomicIsize: isize,
    AtomicU8: u8,
    AtomicI8: i8,
    AtomicU16: u16,
    AtomicI16: i16,
    AtomicU32: u32,
    AtomicI32: i32,
    AtomicU64: u64,
    AtomicI64: i64,
);

atomic!(AtomicBool, bool, Value::Bool, {
    fetch_and => |a, b| a & b,
    fetch_nand => |a, b| !(a & b),
    fetch_or => |a, b| a | b,
    fetch_xor => |a, b| a ^ b,
});
