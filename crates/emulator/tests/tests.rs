//! Wire-level tests of the emulator over real TLS with raw reqwest (one binary, one module per
//! product). Each test names the protocol rule it pins (EM-nn, VBR-nn, ZVM-nn).

mod suite;
