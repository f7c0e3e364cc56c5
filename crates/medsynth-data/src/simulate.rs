//! The rule-based cardiology cohort: medsynth's built-in demo data.
//!
//! Every pipeline stage (inference, masking, training, evaluation) needs a
//! realistic table that can be shared freely, with known relations a good
//! synthesizer must reproduce. This module draws one from explicit clinical
//! rules; nothing is learned from real patients. The full rule book, with
//! the reasons behind each number, is in `docs/cohort.md`; in short (N(m, s)
//! is a normal draw, σ(x) = 1/(1+e^-x), `male` and `diab` are 0/1):
//!
//! * `sex`: `M` with p = 0.56. `age` (years, integer): N(58, 12) clamped to
//!   25..=90, then recomputed as the calendar age at `visit_date` (uniform
//!   over 2019-01-01..2023-12-31) from `date_of_birth`.
//! * `smoking` (`never`/`former`/`current`): p(current) = 0.24 (men) or 0.18
//!   (women) − 0.004·(age−58); p(former) = 0.22 + 0.004·(age−58).
//! * `bmi` (kg/m², 1 decimal): 27.8 + 0.04·(age−58) − 0.6·current + N(0, 4.6),
//!   clamped to 16..55.
//! * `diabetes` (`yes`/`no`): p = σ(−1.7 + 0.035·(age−58) + 0.13·(bmi−27.8) + 0.2·male).
//! * `fasting_glucose` (mg/dl, integer): non-diabetic 92 + 0.7·(bmi−27.8) +
//!   0.1·(age−58) + N(0, 9) in 65..125; diabetic 155 + N(0, 38) in 80..420.
//! * `hba1c` (%, 1 decimal): non-diabetic 5.4 + 0.015·(glucose−92) + N(0, 0.25)
//!   in 4.2..6.4; diabetic 6.0 + 0.025·(glucose−126) + N(0, 0.7) in 5.5..14.
//! * `systolic_bp` (mm Hg, integer): 118 + 0.6·(age−50) + 0.9·(bmi−27) +
//!   4·male + 4·diab + N(0, 14) in 85..230; `diastolic_bp`: 25 + 0.4·sbp +
//!   0.3·(bmi−27) − 0.1·(age−58) + N(0, 7) in 40..130 and ≤ sbp − 20.
//! * `cholesterol` (total, mg/dl, integer): men 212 − 0.15·(age−58) + N(0, 40),
//!   women 208 + 0.8·(age−50) + N(0, 40), in 100..450. `hdl` (mg/dl): 45 (men)
//!   or 57 (women) − 0.6·(bmi−27.8) − 4·current + N(0, 11), in 18..110.
//! * `heart_disease` (`yes`/`no`, the outcome): p = σ(−1.15 + 0.06·(age−58) +
//!   0.7·male + 0.015·(sbp−135) + 0.005·(chol−210) − 0.025·(hdl−50) +
//!   0.7·current + 0.25·former + 0.65·diab + 0.03·(bmi−27.8)), Framingham-like
//!   log-odds; prevalence ≈ 40 %.
//! * Findings, drawn given the outcome (disease causes them):
//!   `chest_pain` (`typical`/`atypical`/`non-anginal`/`asymptomatic`) with
//!   p = (.12, .10, .18, .60) if diseased else (.08, .28, .40, .24);
//!   `exercise_angina` p = 0.12 + 0.43·disease; `max_heart_rate` = 220 − age −
//!   8 − 16·disease − 5·angina + N(0, 13) in 70..210; `st_depression` (mm,
//!   1 decimal) is 0 with p = 0.55 (healthy) / 0.20 (diseased), otherwise
//!   exponential with mean 0.7 / 1.6 (+0.3 with angina), at most 6.2.
//! * Missingness: MCAR `phone` 4 %, `email` 25 %, `postcode` 1 %, `smoking`
//!   4 %, `bmi` 3 %, blood pressure pair 1 %, `fasting_glucose` 3 %, exercise
//!   test block (`max_heart_rate`, `exercise_angina`, `st_depression`) 3 %;
//!   MAR `cholesterol` p = 0.03 + 0.22·σ(−(age−42)/5) (the young are screened
//!   less), `hdl` missing whenever cholesterol is plus 2 %, `hba1c` missing
//!   8 % in diabetics and 60 % otherwise; `clinical_note` present for 35 %.
//!   Identifiers other than contact details, and the outcome, are complete.
//! * Identifiers: `patient_name`, `mrn` (unique `MRN` + 7 digits),
//!   `date_of_birth`, `visit_date`, `postcode`, `phone` (555-01xx), `email`
//!   (example.* domains) and a short `clinical_note` that sometimes names the
//!   patient, which is why free text is dropped by default.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal};

use crate::datetime::{civil_from_days, days_from_civil};
use crate::fake;
use crate::table::{Column, ColumnData, Table};

/// Knobs for [`cohort_with`]. The defaults give the documented cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortOptions {
    /// Add the identifier columns (name, MRN, dates, contacts, note). Turn
    /// off to get only the clinical columns.
    pub identifiers: bool,
    /// Apply the documented missingness; off gives a complete table.
    pub missingness: bool,
}

impl Default for CohortOptions {
    fn default() -> Self {
        CohortOptions {
            identifiers: true,
            missingness: true,
        }
    }
}

/// The clinical (non-identifier) columns, in output order.
pub const CLINICAL_COLUMNS: &[&str] = &[
    "sex",
    "age",
    "smoking",
    "bmi",
    "systolic_bp",
    "diastolic_bp",
    "cholesterol",
    "hdl",
    "diabetes",
    "fasting_glucose",
    "hba1c",
    "chest_pain",
    "max_heart_rate",
    "exercise_angina",
    "st_depression",
    "heart_disease",
];

/// The identifier columns, in output order.
pub const IDENTIFIER_COLUMNS: &[&str] = &[
    "patient_name",
    "mrn",
    "date_of_birth",
    "visit_date",
    "postcode",
    "phone",
    "email",
    "clinical_note",
];

/// The target column for utility evaluation.
pub const TARGET: &str = "heart_disease";

/// A cohort of `rows` patients with the default options, deterministic given
/// `seed`.
pub fn cohort(rows: usize, seed: u64) -> Table {
    cohort_with(rows, seed, &CohortOptions::default())
}

const CHEST_PAIN: [&str; 4] = ["typical", "atypical", "non-anginal", "asymptomatic"];
const SMOKING: [&str; 3] = ["never", "former", "current"];

/// Per-column buffers, filled row by row.
#[derive(Default)]
struct Buffers {
    name: Vec<String>,
    dob: Vec<i64>,
    visit: Vec<i64>,
    postcode: Vec<String>,
    phone: Vec<String>,
    email: Vec<String>,
    note: Vec<String>,
    sex: Vec<u32>,
    age: Vec<i64>,
    smoking: Vec<u32>,
    bmi: Vec<f64>,
    sbp: Vec<i64>,
    dbp: Vec<i64>,
    chol: Vec<i64>,
    hdl: Vec<i64>,
    diabetes: Vec<u32>,
    glucose: Vec<i64>,
    hba1c: Vec<f64>,
    chest_pain: Vec<u32>,
    max_hr: Vec<i64>,
    angina: Vec<u32>,
    st: Vec<f64>,
    disease: Vec<u32>,
}

/// Validity masks for the columns that can be missing.
struct Masks {
    phone: Vec<bool>,
    email: Vec<bool>,
    postcode: Vec<bool>,
    note: Vec<bool>,
    smoking: Vec<bool>,
    bmi: Vec<bool>,
    bp: Vec<bool>,
    chol: Vec<bool>,
    hdl: Vec<bool>,
    glucose: Vec<bool>,
    hba1c: Vec<bool>,
    exercise: Vec<bool>,
}

impl Masks {
    fn new(n: usize) -> Self {
        let t = || Vec::with_capacity(n);
        Masks {
            phone: t(),
            email: t(),
            postcode: t(),
            note: t(),
            smoking: t(),
            bmi: t(),
            bp: t(),
            chol: t(),
            hdl: t(),
            glucose: t(),
            hba1c: t(),
            exercise: t(),
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    mean + sd * z
}

fn bernoulli(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn int_in(x: f64, lo: f64, hi: f64) -> i64 {
    x.clamp(lo, hi).round() as i64
}

/// Age in whole years at `visit` for someone born on `dob` (days since 1970).
fn calendar_age(dob: i64, visit: i64) -> i64 {
    let (by, bm, bd) = civil_from_days(dob);
    let (vy, vm, vd) = civil_from_days(visit);
    vy - by - i64::from((vm, vd) < (bm, bd))
}

/// Draws one category from cumulative-free probabilities `p` (summing to 1).
fn pick(rng: &mut ChaCha8Rng, p: &[f64]) -> u32 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i as u32;
        }
    }
    (p.len() - 1) as u32
}

/// A cohort with explicit options. All randomness flows from one
/// `ChaCha8Rng` seeded with `seed`, in a fixed order, so the same
/// (rows, seed, options) always gives the same table on every platform.
pub fn cohort_with(rows: usize, seed: u64, opts: &CohortOptions) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = Buffers::default();
    let mut m = Masks::new(rows);
    let miss = opts.missingness;
    let visit_lo = days_from_civil(2019, 1, 1);
    let visit_hi = days_from_civil(2023, 12, 31);
    let exp_healthy = Exp::new(1.0 / 0.7).ok();
    let exp_diseased = Exp::new(1.0 / 1.6).ok();
    // Identifiers come from their own stream so that switching them off
    // leaves every clinical value unchanged.
    let mut id_rng = ChaCha8Rng::seed_from_u64(seed);
    id_rng.set_stream(1);
    let mrns = if opts.identifiers {
        fake::mrns(rows, &mut id_rng)
    } else {
        Vec::new()
    };

    for _ in 0..rows {
        // Demographics and dates.
        let male = bernoulli(&mut rng, 0.56);
        let drawn_age = normal(&mut rng, 58.0, 12.0).clamp(25.0, 90.0).round();
        let visit = rng.random_range(visit_lo..=visit_hi);
        let dob = visit - (drawn_age * 365.25) as i64 - rng.random_range(0..365);
        let age = calendar_age(dob, visit);
        let a = age as f64;
        let mf = if male { 1.0 } else { 0.0 };

        // Smoking.
        let p_cur = (if male { 0.24 } else { 0.18 } - 0.004 * (a - 58.0)).clamp(0.02, 0.6);
        let p_for = (0.22 + 0.004 * (a - 58.0)).clamp(0.05, 0.6);
        let smoking = pick(&mut rng, &[1.0 - p_cur - p_for, p_for, p_cur]);
        let current = if smoking == 2 { 1.0 } else { 0.0 };
        let former = if smoking == 1 { 1.0 } else { 0.0 };

        // Body size and metabolism.
        let bmi = round1(
            normal(&mut rng, 27.8 + 0.04 * (a - 58.0) - 0.6 * current, 4.6).clamp(16.0, 55.0),
        );
        let diab = bernoulli(
            &mut rng,
            sigmoid(-1.7 + 0.035 * (a - 58.0) + 0.13 * (bmi - 27.8) + 0.2 * mf),
        );
        let df = if diab { 1.0 } else { 0.0 };
        let glucose = if diab {
            int_in(normal(&mut rng, 155.0, 38.0), 80.0, 420.0)
        } else {
            int_in(
                normal(&mut rng, 92.0 + 0.7 * (bmi - 27.8) + 0.1 * (a - 58.0), 9.0),
                65.0,
                125.0,
            )
        };
        let g = glucose as f64;
        let hba1c = if diab {
            round1(normal(&mut rng, 6.0 + 0.025 * (g - 126.0), 0.7).clamp(5.5, 14.0))
        } else {
            round1(normal(&mut rng, 5.4 + 0.015 * (g - 92.0), 0.25).clamp(4.2, 6.4))
        };

        // Blood pressure and lipids.
        let sbp = int_in(
            normal(
                &mut rng,
                118.0 + 0.6 * (a - 50.0) + 0.9 * (bmi - 27.0) + 4.0 * mf + 4.0 * df,
                14.0,
            ),
            85.0,
            230.0,
        );
        let dbp_raw = normal(
            &mut rng,
            25.0 + 0.4 * sbp as f64 + 0.3 * (bmi - 27.0) - 0.1 * (a - 58.0),
            7.0,
        );
        let dbp = int_in(dbp_raw.min(sbp as f64 - 20.0), 40.0, 130.0);
        let chol_mean = if male {
            212.0 - 0.15 * (a - 58.0)
        } else {
            208.0 + 0.8 * (a - 50.0)
        };
        let chol = int_in(normal(&mut rng, chol_mean, 40.0), 100.0, 450.0);
        let hdl_mean = if male { 45.0 } else { 57.0 } - 0.6 * (bmi - 27.8) - 4.0 * current;
        let hdl = int_in(normal(&mut rng, hdl_mean, 11.0), 18.0, 110.0);

        // Outcome: Framingham-like logistic risk on the risk factors.
        let logit = -1.15
            + 0.06 * (a - 58.0)
            + 0.7 * mf
            + 0.015 * (sbp as f64 - 135.0)
            + 0.005 * (chol as f64 - 210.0)
            - 0.025 * (hdl as f64 - 50.0)
            + 0.7 * current
            + 0.25 * former
            + 0.65 * df
            + 0.03 * (bmi - 27.8);
        let disease = bernoulli(&mut rng, sigmoid(logit));

        // Findings caused by the disease.
        let cp = if disease {
            pick(&mut rng, &[0.12, 0.10, 0.18, 0.60])
        } else {
            pick(&mut rng, &[0.08, 0.28, 0.40, 0.24])
        };
        let angina = bernoulli(&mut rng, if disease { 0.55 } else { 0.12 });
        let dz = if disease { 1.0 } else { 0.0 };
        let ang = if angina { 1.0 } else { 0.0 };
        let max_hr = int_in(
            normal(&mut rng, 220.0 - a - 8.0 - 16.0 * dz - 5.0 * ang, 13.0),
            70.0,
            210.0,
        );
        let st = if bernoulli(&mut rng, if disease { 0.20 } else { 0.55 }) {
            0.0
        } else {
            let e = if disease { exp_diseased } else { exp_healthy };
            let x: f64 = e.map_or(1.0, |e| e.sample(&mut rng));
            round1((x + 0.3 * ang).clamp(0.1, 6.2))
        };

        // Missingness (drawn even when off, so options do not shift values).
        let mut u = || rng.random::<f64>();
        let keep = |u: f64, p: f64| !miss || u >= p;
        m.phone.push(keep(u(), 0.04));
        m.email.push(keep(u(), 0.25));
        m.postcode.push(keep(u(), 0.01));
        m.note.push(u() < 0.35);
        m.smoking.push(keep(u(), 0.04));
        m.bmi.push(keep(u(), 0.03));
        m.bp.push(keep(u(), 0.01));
        let chol_ok = keep(u(), 0.03 + 0.22 * sigmoid(-(a - 42.0) / 5.0));
        m.chol.push(chol_ok);
        m.hdl.push(chol_ok && keep(u(), 0.02));
        m.glucose.push(keep(u(), 0.03));
        m.hba1c.push(keep(u(), if diab { 0.08 } else { 0.60 }));
        m.exercise.push(keep(u(), 0.03));

        // Identifiers.
        if opts.identifiers {
            let p = fake::person(&mut id_rng);
            b.email.push(fake::email_for(&p, &mut id_rng));
            b.phone.push(fake::phone(&mut id_rng));
            b.postcode.push(fake::postcode(&mut id_rng));
            let note = if *m.note.last().unwrap_or(&false) {
                clinical_note(
                    &mut id_rng,
                    &p,
                    male,
                    age,
                    CHEST_PAIN[cp as usize],
                    smoking,
                    sbp,
                    dbp,
                )
            } else {
                String::new()
            };
            b.note.push(note);
            b.name.push(p.full_name());
        }

        b.dob.push(dob);
        b.visit.push(visit);
        b.sex.push(u32::from(male));
        b.age.push(age);
        b.smoking.push(smoking);
        b.bmi.push(bmi);
        b.sbp.push(sbp);
        b.dbp.push(dbp);
        b.chol.push(chol);
        b.hdl.push(hdl);
        b.diabetes.push(u32::from(diab));
        b.glucose.push(glucose);
        b.hba1c.push(hba1c);
        b.chest_pain.push(cp);
        b.max_hr.push(max_hr);
        b.angina.push(u32::from(angina));
        b.st.push(st);
        b.disease.push(u32::from(disease));
    }
    assemble(b, m, mrns, rows, opts)
}

/// A short note as a clinician would type it; about a third name the patient.
#[allow(clippy::too_many_arguments)]
fn clinical_note(
    rng: &mut ChaCha8Rng,
    p: &fake::FakePerson,
    male: bool,
    age: i64,
    cp: &str,
    smoking: u32,
    sbp: i64,
    dbp: i64,
) -> String {
    let who = if male { "man" } else { "woman" };
    let smoke = ["non-smoker", "ex-smoker", "current smoker"][smoking as usize % 3];
    let pain = match cp {
        "asymptomatic" => "no chest pain".to_string(),
        other => format!("{other} chest pain"),
    };
    let plan = [
        "Stress test ordered.",
        "Echo requested.",
        "Review in 6 weeks.",
        "Start statin, recheck lipids.",
        "Refer to cardiology.",
    ][rng.random_range(0..5)];
    if bernoulli(rng, 0.33) {
        let title = if male { "Mr" } else { "Ms" };
        format!(
            "{title} {} ({age}) reports {pain}; {smoke}. BP {sbp}/{dbp}. {plan}",
            p.family
        )
    } else {
        format!("{age}-year-old {who} with {pain}; {smoke}. BP {sbp}/{dbp}. {plan}")
    }
}

fn categorical(name: &str, codes: Vec<u32>, labels: &[&str], valid: Vec<bool>) -> Column {
    let dict = labels.iter().map(|s| s.to_string()).collect();
    Column::new(name, ColumnData::Categorical { codes, dict }, valid)
}

fn date(name: &str, days: Vec<i64>, n: usize) -> Column {
    Column::new(
        name,
        ColumnData::DateTime {
            secs: days.into_iter().map(|d| d * 86_400).collect(),
            date_only: true,
        },
        vec![true; n],
    )
}

fn assemble(b: Buffers, m: Masks, mrns: Vec<String>, n: usize, opts: &CohortOptions) -> Table {
    let all = || vec![true; n];
    let mut cols = Vec::with_capacity(24);
    if opts.identifiers {
        cols.push(Column::new("patient_name", ColumnData::Text(b.name), all()));
        cols.push(Column::new("mrn", ColumnData::Text(mrns), all()));
        cols.push(date("date_of_birth", b.dob, n));
        cols.push(date("visit_date", b.visit, n));
        cols.push(Column::new(
            "postcode",
            ColumnData::Text(b.postcode),
            m.postcode,
        ));
        cols.push(Column::new("phone", ColumnData::Text(b.phone), m.phone));
        cols.push(Column::new("email", ColumnData::Text(b.email), m.email));
    }
    cols.push(categorical("sex", b.sex, &["F", "M"], all()));
    cols.push(Column::new("age", ColumnData::Int(b.age), all()));
    cols.push(categorical("smoking", b.smoking, &SMOKING, m.smoking));
    cols.push(Column::new("bmi", ColumnData::Float(b.bmi), m.bmi));
    cols.push(Column::new(
        "systolic_bp",
        ColumnData::Int(b.sbp),
        m.bp.clone(),
    ));
    cols.push(Column::new("diastolic_bp", ColumnData::Int(b.dbp), m.bp));
    cols.push(Column::new("cholesterol", ColumnData::Int(b.chol), m.chol));
    cols.push(Column::new("hdl", ColumnData::Int(b.hdl), m.hdl));
    cols.push(categorical("diabetes", b.diabetes, &["no", "yes"], all()));
    cols.push(Column::new(
        "fasting_glucose",
        ColumnData::Int(b.glucose),
        m.glucose,
    ));
    cols.push(Column::new("hba1c", ColumnData::Float(b.hba1c), m.hba1c));
    cols.push(categorical("chest_pain", b.chest_pain, &CHEST_PAIN, all()));
    cols.push(Column::new(
        "max_heart_rate",
        ColumnData::Int(b.max_hr),
        m.exercise.clone(),
    ));
    cols.push(categorical(
        "exercise_angina",
        b.angina,
        &["no", "yes"],
        m.exercise.clone(),
    ));
    cols.push(Column::new(
        "st_depression",
        ColumnData::Float(b.st),
        m.exercise,
    ));
    if opts.identifiers {
        cols.push(Column::new(
            "clinical_note",
            ColumnData::Text(b.note),
            m.note,
        ));
    }
    cols.push(categorical(
        "heart_disease",
        b.disease,
        &["no", "yes"],
        all(),
    ));
    // Names are fixed and lengths equal by construction, so this cannot fail;
    // fall back to an empty table rather than panic.
    Table::new(cols).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_age_counts_birthdays() {
        let dob = days_from_civil(1960, 6, 15);
        assert_eq!(calendar_age(dob, days_from_civil(2020, 6, 14)), 59);
        assert_eq!(calendar_age(dob, days_from_civil(2020, 6, 15)), 60);
    }

    #[test]
    fn shape_and_options() {
        let t = cohort(200, 1);
        assert_eq!(t.n_rows(), 200);
        assert_eq!(
            t.n_cols(),
            CLINICAL_COLUMNS.len() + IDENTIFIER_COLUMNS.len()
        );
        let c = cohort_with(
            200,
            1,
            &CohortOptions {
                identifiers: false,
                missingness: false,
            },
        );
        assert_eq!(c.names().collect::<Vec<_>>(), CLINICAL_COLUMNS);
        assert!(c.columns().iter().all(|col| col.missing_count() == 0));
        // Turning identifiers off must not change the clinical values.
        let full = cohort_with(
            200,
            1,
            &CohortOptions {
                identifiers: true,
                missingness: false,
            },
        );
        for name in CLINICAL_COLUMNS {
            assert_eq!(c.column(name), full.column(name), "{name}");
        }
    }

    #[test]
    fn dob_matches_age_at_visit() {
        let t = cohort(500, 3);
        let (Some(dob), Some(visit), Some(age)) = (
            t.column("date_of_birth"),
            t.column("visit_date"),
            t.column("age"),
        ) else {
            panic!("columns missing")
        };
        for r in 0..t.n_rows() {
            let (crate::Value::DateTime(d), crate::Value::DateTime(v), crate::Value::Int(a)) =
                (dob.get(r), visit.get(r), age.get(r))
            else {
                panic!("types")
            };
            assert_eq!(calendar_age(d / 86_400, v / 86_400), a);
        }
    }
}
