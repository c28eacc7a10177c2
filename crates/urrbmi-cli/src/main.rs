//! The `urrbmi` command (being ported from the old examples in `port/`).

use urrbmi::Policy;

fn main() {
    for id in Policy::builtin_ids() {
        println!("{id}");
    }
}
