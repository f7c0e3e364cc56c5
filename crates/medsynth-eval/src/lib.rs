//! Evaluation of synthetic tables: fidelity, utility, privacy attacks, fairness, pictures and the self-contained HTML report.
