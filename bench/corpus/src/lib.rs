//! Empty: this package only names the corpus dependencies.
