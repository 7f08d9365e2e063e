//! Clearly fake names both vendors' people are drawn from.

pub const FIRST: [&str; 12] = [
    "Test", "Sample", "Demo", "Mock", "Fake", "Trial", "Dummy", "Proto", "Alpha", "Beta", "Gamma",
    "Delta",
];
pub const LAST: [&str; 8] = [
    "Sandbox",
    "Example",
    "Placeholder",
    "Fixture",
    "Testcase",
    "Stub",
    "Specimen",
    "Model",
];
