//! Specification profile parsing on arbitrary text: a school's override file and a whole
//! profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photocheck::Profile;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(profile) = Profile::from_overrides_str(text, "fuzz") {
            // What parses must show and load back.
            Profile::from_toml_str(&profile.to_toml(), "shown").expect("a shown profile loads");
        }
        let _ = Profile::from_toml_str(text, "fuzz");
    }
});
