#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| blastradius::fuzzing::gitleaks_regex(data));
