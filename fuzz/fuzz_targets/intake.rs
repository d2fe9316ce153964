//! Intake on arbitrary bytes: format sniffing, file facts, limits, decoding, orientation and
//! the working copy. Limits are tighter than the default profile's so that a legitimately
//! large image stays inside the fuzzer's memory cap; the code path is the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photocheck::Profile;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    let profile = PROFILE.get_or_init(|| {
        Profile::from_overrides_str("[limits]\nmax_pixels = 4_000_000\nmax_side = 8000\n", "fuzz")
            .expect("fuzz limits are valid")
    });
    if let Ok(photo) = photocheck::intake::load(data, profile) {
        let _ = photocheck::measurements("fuzz.jpg", &photo, Err("no models".into()), profile);
    }
});
