//! Direct-identifier detection (names, e-mails, phones, SSN/MRN-like IDs,
//! addresses, postcodes, exact dates of birth, free text) by column name and
//! value patterns.
//!
//! Two independent lines of evidence are used, because either alone fails on
//! real extracts:
//!
//! * **the column name** (`Patient Name`, `e_mail`, `tel`, `DOB`, `PLZ`,
//!   `fecha_nacimiento`...) is split into lower-case tokens (on punctuation,
//!   spaces and camelCase) and matched against small multilingual
//!   vocabularies. A name match must still be *compatible* with the values
//!   (a `birth_weight` column is numbers, not dates, so it is not a birth
//!   date), which keeps false positives down;
//! * **the values** (a sample of up to [`SAMPLE_ROWS`] cells) are matched
//!   against hand-written patterns, so identifiers hidden behind neutral
//!   names such as `col7` are still found.
//!
//! Numbers-only columns are identifiers only when their name says so or when
//! every row holds a different value (a row key): clinical measurements such
//! as adult `fnlwgt` are large integers but repeat. Hand-written matchers are
//! used instead of the `regex` crate: the handful of patterns are short, and
//! this keeps a heavy dependency out of the data layer.

use std::collections::HashSet;

use crate::schema::{IdentifierType, MaskAction};
use crate::table::{Column, ColumnData};

/// Why a column was flagged, and what we suggest doing with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub id_type: IdentifierType,
    /// The suggested masking action.
    pub action: MaskAction,
    /// A short human-readable reason ("name matches 'email'; 98% of values
    /// look like e-mail addresses").
    pub reason: String,
}

/// How many cells are inspected for value patterns. Patterns are checked on
/// evenly spaced rows so that sorted extracts are sampled fairly; 1,000 cells
/// bound the cost on million-row tables while estimating shares to ±3 %.
pub const SAMPLE_ROWS: usize = 1000;

/// Below this many valid rows "every value is different" is too likely by
/// chance (e.g. 20 cholesterol readings), so row keys are not inferred from
/// uniqueness alone.
const MIN_ROWS_FOR_ROW_KEY: usize = 50;

/// The suggested action for each identifier type. Names, contacts and
/// national IDs are replaced by fakes (the synthetic data keeps a realistic
/// shape), record keys are pseudonymized so that whoever holds the secret can
/// still link files, row keys carry no information and are dropped, dates and
/// postcodes are coarsened because their coarse form is clinically useful.
pub fn default_action(id_type: IdentifierType) -> MaskAction {
    match id_type {
        IdentifierType::Name
        | IdentifierType::Email
        | IdentifierType::Phone
        | IdentifierType::Ssn
        | IdentifierType::Address => MaskAction::Fake,
        IdentifierType::Mrn => MaskAction::Pseudonymize,
        IdentifierType::RowKey | IdentifierType::FreeText => MaskAction::Drop,
        IdentifierType::Postcode | IdentifierType::BirthDate | IdentifierType::ExactDate => {
            MaskAction::Generalize
        }
    }
}

/// Flags a column as a direct identifier, or returns `None` for ordinary
/// clinical columns.
pub fn detect_column(column: &Column) -> Option<Detection> {
    let name = NameInfo::new(&column.name);
    let profile = Profile::new(column);
    let (id_type, reason) =
        by_name(&name, &profile, column).or_else(|| by_values(&profile, column))?;
    Some(Detection {
        id_type,
        action: default_action(id_type),
        reason,
    })
}

// ---------------------------------------------------------------------------
// Column names
// ---------------------------------------------------------------------------

/// A column name split into lower-case tokens, plus the tokens joined without
/// separators (so `e_mail`, `E-Mail` and `eMail` all give `email`).
struct NameInfo {
    original: String,
    tokens: Vec<String>,
    joined: String,
}

impl NameInfo {
    fn new(name: &str) -> Self {
        let mut tokens = Vec::new();
        let mut cur = String::new();
        let mut prev_lower = false;
        for ch in name.chars() {
            if ch.is_alphanumeric() {
                // camelCase boundary: "patientId" -> "patient", "id".
                if ch.is_uppercase() && prev_lower && !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
                cur.extend(ch.to_lowercase());
            } else {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                prev_lower = false;
            }
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        let joined = tokens.concat();
        NameInfo {
            original: name.to_string(),
            tokens,
            joined,
        }
    }

    fn has_token(&self, words: &[&str]) -> bool {
        self.tokens.iter().any(|t| words.contains(&t.as_str()))
    }

    fn joined_contains(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.joined.contains(w))
    }

    fn last(&self) -> Option<&str> {
        self.tokens.last().map(String::as_str)
    }

    /// The token just before the last one (`patient` in `patient_nbr`).
    fn before_last(&self) -> Option<&str> {
        let n = self.tokens.len();
        (n >= 2).then(|| self.tokens[n - 2].as_str())
    }
}

const EMAIL_JOINED: &[&str] = &["email", "courriel", "correoelectronico"];
const EMAIL_TOKENS: &[&str] = &["mail", "correo"];
const SSN_JOINED: &[&str] = &[
    "socialsecurity",
    "nationalid",
    "nationalinsurance",
    "personnummer",
    "sozialversicherung",
    "nhsnumber",
    "nhsno",
    "aadhaar",
];
const SSN_TOKENS: &[&str] = &[
    "ssn", "sin", "nin", "nino", "bsn", "nir", "insee", "cpr", "pesel", "dni", "nif", "curp",
    "nss", "avs",
];
const ID_TOKENS: &[&str] = &[
    "id",
    "ids",
    "nbr",
    "nr",
    "no",
    "num",
    "number",
    "key",
    "identifier",
    "nummer",
    "numero",
    "número",
    "uuid",
    "guid",
];
/// Context words that make `<context>_id` a key of a person or their record.
const PERSON_CONTEXT: &[&str] = &[
    "patient",
    "pt",
    "pat",
    "person",
    "subject",
    "member",
    "client",
    "record",
    "chart",
    "hospital",
    "participant",
    "individual",
    "resident",
    "medical",
    "health",
    "insurance",
    "beneficiary",
    "paciente",
    "patienten",
];
/// Context words that make `<context>_id` a key of one row or event.
const ROW_CONTEXT: &[&str] = &[
    "encounter",
    "visit",
    "admission",
    "episode",
    "stay",
    "row",
    "sample",
    "specimen",
    "order",
    "event",
    "case",
    "observation",
    "hadm",
    "icustay",
    "transaction",
    "line",
    "entry",
];
const BARE_KEYS: &[&str] = &["id", "uuid", "guid", "key", "index", "rowid", "pid", "mrn"];
const PHONE_JOINED: &[&str] = &[
    "phone",
    "telephone",
    "telefon",
    "telefono",
    "teléfono",
    "telefone",
    "mobile",
    "cellular",
];
const PHONE_TOKENS: &[&str] = &[
    "tel", "tlf", "cell", "fax", "gsm", "handy", "portable", "movil", "móvil",
];
const POSTCODE_JOINED: &[&str] = &[
    "postcode",
    "postalcode",
    "zipcode",
    "postleitzahl",
    "codepostal",
    "codigopostal",
    "códigopostal",
    "postnummer",
];
const POSTCODE_TOKENS: &[&str] = &["zip", "plz", "postal", "cep", "zipcode", "postcode"];
const BIRTH_JOINED: &[&str] = &[
    "birth",
    "geburt",
    "nacimiento",
    "naissance",
    "nascita",
    "geboorte",
    "birthday",
];
const BIRTH_TOKENS: &[&str] = &["dob", "bday", "born", "geboren", "gebdat", "ddn", "fnac"];
const ADDRESS_JOINED: &[&str] = &[
    "address",
    "adresse",
    "direccion",
    "dirección",
    "indirizzo",
    "endereco",
    "endereço",
    "street",
    "strasse",
    "straße",
    "domicile",
    "domicilio",
    "anschrift",
];
const ADDRESS_TOKENS: &[&str] = &["addr", "adr", "adres"];
const NAME_JOINED: &[&str] = &[
    "surname",
    "firstname",
    "lastname",
    "fullname",
    "forename",
    "givenname",
    "familyname",
    "maidenname",
    "vorname",
    "nachname",
    "apellido",
    "cognome",
    "achternaam",
    "voornaam",
    "prenom",
    "prénom",
];
const NAME_TOKENS: &[&str] = &["name", "names", "nom", "nombre", "nome", "naam"];
/// Words that make a `*name*` column a person's name without looking at values.
const NAME_CONTEXT: &[&str] = &[
    "patient",
    "pt",
    "person",
    "first",
    "last",
    "given",
    "family",
    "full",
    "middle",
    "client",
    "member",
    "contact",
    "mother",
    "father",
    "kin",
    "guardian",
    "paciente",
    "patienten",
    "subject",
];
const TEXT_TOKENS: &[&str] = &[
    "note",
    "notes",
    "comment",
    "comments",
    "remark",
    "remarks",
    "narrative",
    "freetext",
    "text",
    "memo",
    "anamnesis",
    "bemerkung",
    "bemerkungen",
    "notiz",
    "notizen",
    "commentaire",
    "commentaires",
    "nota",
    "notas",
    "observaciones",
    "summary",
    "report",
    "impression",
];

// ---------------------------------------------------------------------------
// Value profile
// ---------------------------------------------------------------------------

/// What the values of a column look like, computed once per column.
struct Profile {
    n_rows: usize,
    n_valid: usize,
    /// Sampled string cells (only for string columns).
    strings: Vec<String>,
    /// Sampled dates as days since 1970 (DateTime columns, or string columns
    /// whose values parse as dates).
    date_days: Vec<i64>,
    is_string: bool,
    is_numeric: bool,
    is_datetime: bool,
    /// Floats with a fractional part are measurements, never keys or codes.
    has_fraction: bool,
}

impl Profile {
    fn new(column: &Column) -> Self {
        let n_rows = column.len();
        let valid_rows: Vec<usize> = (0..n_rows).filter(|&r| column.is_valid(r)).collect();
        let n_valid = valid_rows.len();
        let step = n_valid.div_ceil(SAMPLE_ROWS).max(1);
        let sample = valid_rows.iter().step_by(step).copied();
        let mut p = Profile {
            n_rows,
            n_valid,
            strings: Vec::new(),
            date_days: Vec::new(),
            is_string: false,
            is_numeric: false,
            is_datetime: false,
            has_fraction: false,
        };
        match &column.data {
            ColumnData::Categorical { codes, dict } => {
                p.is_string = true;
                p.strings = sample
                    .filter_map(|r| dict.get(codes[r] as usize).cloned())
                    .collect();
            }
            ColumnData::Text(v) => {
                p.is_string = true;
                p.strings = sample.map(|r| v[r].clone()).collect();
            }
            ColumnData::DateTime { secs, .. } => {
                p.is_datetime = true;
                p.date_days = sample.map(|r| secs[r].div_euclid(86_400)).collect();
            }
            ColumnData::Int(_) => p.is_numeric = true,
            ColumnData::Float(v) => {
                p.is_numeric = true;
                p.has_fraction = sample.clone().any(|r| v[r].fract() != 0.0);
            }
            ColumnData::Bool(_) => {}
        }
        if p.is_string {
            let days: Vec<i64> = p
                .strings
                .iter()
                .filter_map(|s| parse_date_text(s))
                .collect();
            if !p.strings.is_empty() && days.len() * 10 >= p.strings.len() * 9 {
                p.date_days = days;
            }
        }
        p
    }

    fn share(&self, pred: impl Fn(&str) -> bool) -> f64 {
        if self.strings.is_empty() {
            return 0.0;
        }
        self.strings.iter().filter(|s| pred(s.trim())).count() as f64 / self.strings.len() as f64
    }

    fn is_dates(&self) -> bool {
        !self.date_days.is_empty()
    }
}

/// Number of distinct valid values in the whole column (not just the sample).
/// Categorical columns are counted through their codes without hashing.
fn distinct_count(column: &Column) -> usize {
    let valid = |r: &usize| column.is_valid(*r);
    let rows = 0..column.len();
    match &column.data {
        ColumnData::Categorical { codes, dict } => {
            let mut seen = vec![false; dict.len()];
            let mut n = 0;
            for r in rows.filter(valid) {
                if let Some(s) = seen.get_mut(codes[r] as usize) {
                    n += usize::from(!*s);
                    *s = true;
                }
            }
            n
        }
        ColumnData::Text(v) => rows
            .filter(valid)
            .map(|r| v[r].as_str())
            .collect::<HashSet<&str>>()
            .len(),
        ColumnData::Int(v) => rows
            .filter(valid)
            .map(|r| v[r])
            .collect::<HashSet<i64>>()
            .len(),
        ColumnData::Float(v) => rows
            .filter(valid)
            .map(|r| v[r].to_bits())
            .collect::<HashSet<u64>>()
            .len(),
        ColumnData::DateTime { secs, .. } => rows
            .filter(valid)
            .map(|r| secs[r])
            .collect::<HashSet<i64>>()
            .len(),
        ColumnData::Bool(v) => rows
            .filter(valid)
            .map(|r| v[r])
            .collect::<HashSet<bool>>()
            .len(),
    }
}

/// Whether every cell of a complete integer column differs, stopping at the
/// first repeat (clinical numbers repeat within a few dozen rows, so this is
/// cheap where it matters).
fn all_ints_distinct(column: &Column) -> bool {
    let ColumnData::Int(v) = &column.data else {
        return false;
    };
    let mut seen = HashSet::with_capacity(v.len());
    v.iter().all(|x| seen.insert(*x))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

// ---------------------------------------------------------------------------
// Detection by name (checked against values)
// ---------------------------------------------------------------------------

fn by_name(name: &NameInfo, p: &Profile, column: &Column) -> Option<(IdentifierType, String)> {
    let n = &name.original;
    // The order matters: `email_address` is an e-mail, `patient_name_id` a key.
    if (name.joined_contains(EMAIL_JOINED) || name.has_token(EMAIL_TOKENS))
        && (p.is_string || p.n_valid == 0)
    {
        let s = p.share(is_email);
        return Some((
            IdentifierType::Email,
            format!(
                "name '{n}' suggests e-mail; {} of sampled values look like e-mail addresses",
                pct(s)
            ),
        ));
    }
    if (name.joined_contains(SSN_JOINED) || name.has_token(SSN_TOKENS))
        && !p.has_fraction
        && !p.is_datetime
    {
        return Some((
            IdentifierType::Ssn,
            format!(
                "name '{n}' suggests a national ID number; {} of sampled values have the SSN shape",
                pct(p.share(is_ssn))
            ),
        ));
    }
    if let Some(found) = key_by_name(name, p, column) {
        return Some(found);
    }
    if (name.joined_contains(PHONE_JOINED) || name.has_token(PHONE_TOKENS))
        && !p.has_fraction
        && !p.is_datetime
    {
        let s = p.share(is_phone);
        if p.is_numeric || p.n_valid == 0 || s >= 0.5 {
            return Some((
                IdentifierType::Phone,
                format!(
                    "name '{n}' suggests a phone number; {} of sampled values look like phone numbers",
                    pct(s)
                ),
            ));
        }
    }
    if (name.joined_contains(POSTCODE_JOINED) || name.has_token(POSTCODE_TOKENS))
        && !p.has_fraction
        && !p.is_datetime
    {
        return Some((
            IdentifierType::Postcode,
            format!("name '{n}' suggests a postcode"),
        ));
    }
    if name.joined_contains(BIRTH_JOINED) || name.has_token(BIRTH_TOKENS) {
        // `birth_weight` or `birth_country` are not dates: values must agree.
        if p.is_datetime || p.is_dates() {
            return Some((
                IdentifierType::BirthDate,
                format!("name '{n}' suggests a date of birth and the values are exact dates"),
            ));
        }
    }
    if (name.joined_contains(ADDRESS_JOINED) || name.has_token(ADDRESS_TOKENS)) && p.is_string {
        return Some((
            IdentifierType::Address,
            format!(
                "name '{n}' suggests an address; {} of sampled values look like street addresses",
                pct(p.share(is_street_address))
            ),
        ));
    }
    if (name.joined_contains(NAME_JOINED) || name.has_token(NAME_TOKENS)) && p.is_string {
        let person_context = name.joined_contains(NAME_JOINED) || name.has_token(NAME_CONTEXT);
        let s = p.share(is_person_name);
        let known = p.share(has_known_name);
        // `drug_name` or `hospital_name` hold words, not people: without a
        // person word in the name, the values must look like names.
        if person_context || s >= 0.6 && known >= 0.2 {
            return Some((
                IdentifierType::Name,
                format!(
                    "name '{n}' suggests a person's name; {} of sampled values look like names",
                    pct(s)
                ),
            ));
        }
    }
    if name.has_token(TEXT_TOKENS) && p.is_string {
        return Some((
            IdentifierType::FreeText,
            format!("name '{n}' suggests free text, which may contain any identifier"),
        ));
    }
    if (p.is_datetime || p.is_dates()) && !dates_are_coarse(&p.date_days) {
        return Some(date_type(p, n));
    }
    None
}

/// Record and row keys named as such (`mrn`, `patient_nbr`, `encounter_id`,
/// `PatientID`, `id`).
fn key_by_name(name: &NameInfo, p: &Profile, column: &Column) -> Option<(IdentifierType, String)> {
    if p.has_fraction || p.is_datetime || p.n_valid == 0 {
        return None;
    }
    let n = &name.original;
    let last = name.last()?;
    let strong_person = name.has_token(&["mrn", "pid"])
        || name.joined_contains(&["medicalrecord", "mrnumber", "hospitalnumber", "chartnumber"])
        || ID_TOKENS.contains(&last)
            && name
                .before_last()
                .is_some_and(|t| PERSON_CONTEXT.contains(&t));
    let row_context =
        ID_TOKENS.contains(&last) && name.before_last().is_some_and(|t| ROW_CONTEXT.contains(&t));
    let bare = name.tokens.len() == 1 && BARE_KEYS.contains(&last);
    let generic = ID_TOKENS.contains(&last) && name.tokens.len() >= 2;
    if !(strong_person || row_context || bare || generic) {
        return None;
    }
    let distinct = distinct_count(column);
    let unique = distinct == p.n_valid && p.n_valid == p.n_rows;
    let ratio = distinct as f64 / p.n_valid as f64;
    if strong_person {
        return Some((
            IdentifierType::Mrn,
            format!(
                "name '{n}' suggests a medical record number / patient key ({distinct} distinct values in {} rows)",
                p.n_valid
            ),
        ));
    }
    // `admission_type_id` (8 codes) or `education-num` (16 levels) end in an
    // ID word but are categories: a key has (almost) one value per row.
    if generic && !row_context && !bare && (ratio < 0.5 || distinct < 10) {
        return None;
    }
    if (row_context || bare) && distinct < 2 {
        return None;
    }
    if unique {
        Some((
            IdentifierType::RowKey,
            format!("name '{n}' suggests a key and every row holds a different value"),
        ))
    } else {
        Some((
            IdentifierType::Mrn,
            format!(
                "name '{n}' suggests a record key ({distinct} distinct values in {} rows; repeated keys link rows of one person)",
                p.n_valid
            ),
        ))
    }
}

// ---------------------------------------------------------------------------
// Detection by values only
// ---------------------------------------------------------------------------

/// A value-only rule: type, matcher, minimum share of matching values, and
/// what the values look like (for the reason).
type ValueCheck = (IdentifierType, fn(&str) -> bool, f64, &'static str);

fn by_values(p: &Profile, column: &Column) -> Option<(IdentifierType, String)> {
    if p.n_valid == 0 {
        return None;
    }
    let n = &column.name;
    if p.is_string {
        let checks: [ValueCheck; 5] = [
            (IdentifierType::Email, is_email, 0.8, "e-mail addresses"),
            (
                IdentifierType::Ssn,
                is_ssn,
                0.8,
                "SSN-shaped numbers (ddd-dd-dddd)",
            ),
            (IdentifierType::Phone, is_phone, 0.8, "phone numbers"),
            (
                IdentifierType::Postcode,
                is_distinctive_postcode,
                0.8,
                "postcodes",
            ),
            (
                IdentifierType::Address,
                is_street_address,
                0.6,
                "street addresses",
            ),
        ];
        for (t, f, min, what) in checks {
            let s = p.share(f);
            if s >= min {
                return Some((
                    t,
                    format!(
                        "values of '{n}': {} of sampled values look like {what}",
                        pct(s)
                    ),
                ));
            }
        }
        if p.is_dates() && !dates_are_coarse(&p.date_days) {
            return Some(date_type(p, n));
        }
        let distinct = distinct_count(column);
        let ratio = distinct as f64 / p.n_valid as f64;
        let s = p.share(is_mrn_like);
        if s >= 0.9 && ratio >= 0.5 {
            return Some((
                IdentifierType::Mrn,
                format!(
                    "values of '{n}': {} of sampled values look like record numbers (letters + 5 or more digits), {distinct} distinct",
                    pct(s)
                ),
            ));
        }
        let s = p.share(is_person_name);
        let known = p.share(has_known_name);
        if s >= 0.8 && known >= 0.3 && ratio >= 0.2 {
            return Some((
                IdentifierType::Name,
                format!(
                    "values of '{n}': {} of sampled values look like person names ({} contain a common given or family name)",
                    pct(s),
                    pct(known)
                ),
            ));
        }
        if looks_like_free_text(&p.strings) && ratio >= 0.5 {
            return Some((
                IdentifierType::FreeText,
                format!("values of '{n}' are free text (sentences with many distinct values)"),
            ));
        }
        if distinct == p.n_valid && p.n_valid == p.n_rows && p.n_rows >= MIN_ROWS_FOR_ROW_KEY {
            return Some((
                IdentifierType::RowKey,
                format!("values of '{n}': every row holds a different value"),
            ));
        }
        return None;
    }
    if p.is_datetime && !dates_are_coarse(&p.date_days) {
        return Some(date_type(p, n));
    }
    if p.is_numeric
        && !p.has_fraction
        && p.n_valid == p.n_rows
        && p.n_rows >= MIN_ROWS_FOR_ROW_KEY
        && all_ints_distinct(column)
    {
        return Some((
            IdentifierType::RowKey,
            format!("values of '{n}': whole numbers, every row holds a different value"),
        ));
    }
    None
}

/// Birth dates spread over decades; visit or admission dates cluster within
/// the few years an extract covers. A 5th-95th percentile spread of 25 years
/// or more is read as dates of birth.
fn date_type(p: &Profile, n: &str) -> (IdentifierType, String) {
    let mut d = p.date_days.clone();
    d.sort_unstable();
    let lo = d[d.len() / 20];
    let hi = d[(d.len() * 19) / 20];
    let years = (hi - lo) as f64 / 365.25;
    if years >= 25.0 {
        (
            IdentifierType::BirthDate,
            format!(
                "values of '{n}' are exact dates spread over {years:.0} years, as dates of birth are"
            ),
        )
    } else {
        (
            IdentifierType::ExactDate,
            format!("values of '{n}' are exact (day-level) dates tied to a person"),
        )
    }
}

/// Dates that are all on the first of a month were already coarsened (to
/// month or year) and are not exact person dates any more.
fn dates_are_coarse(days: &[i64]) -> bool {
    !days.is_empty()
        && days
            .iter()
            .all(|&d| crate::datetime::civil_from_days(d).2 == 1)
}

// ---------------------------------------------------------------------------
// Value matchers
// ---------------------------------------------------------------------------

/// `local@domain.tld` with no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') || s.contains(char::is_whitespace) {
        return false;
    }
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// `ddd-dd-dddd` (or with spaces), the US SSN layout.
pub fn is_ssn(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let sep = b[3];
    (sep == b'-' || sep == b' ')
        && b[6] == sep
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 3 || i == 6 || c.is_ascii_digit())
}

/// 7 to 15 digits with the separators phone numbers use, and at least one
/// separator or a leading `+` so that plain numbers are not phones. Dates and
/// SSNs are excluded (they also have digits and dashes).
pub fn is_phone(s: &str) -> bool {
    let mut digits = 0;
    let mut seps = 0;
    for c in s.chars() {
        match c {
            '0'..='9' => digits += 1,
            ' ' | '-' | '(' | ')' | '.' | '/' => seps += 1,
            '+' => seps += 1,
            _ => return false,
        }
    }
    (7..=15).contains(&digits)
        && seps > 0
        && !s.starts_with(['.', '-', '/'])
        && !is_ssn(s)
        && parse_date_text(s).is_none()
        // "1234.5678" is a number, not a phone.
        && (s.matches('.').count() != 1 || s.contains([' ', '-', '(']))
}

/// Postcodes whose layout cannot be mistaken for a number: UK (`SW1A 1AA`),
/// Canada (`K1A 0B1`), the Netherlands (`1012 AB`), US ZIP+4 (`02134-1234`).
/// Plain 5-digit codes need a column name to be recognised.
pub fn is_distinctive_postcode(s: &str) -> bool {
    let b = s.as_bytes();
    let up = |c: &u8| c.is_ascii_uppercase();
    let dg = |c: &u8| c.is_ascii_digit();
    // US ZIP+4.
    if b.len() == 10 && b[5] == b'-' && b[..5].iter().all(dg) && b[6..].iter().all(dg) {
        return true;
    }
    // Netherlands.
    if b.len() == 7 && b[..4].iter().all(dg) && b[4] == b' ' && b[5..].iter().all(up) {
        return true;
    }
    // Canada.
    if b.len() == 7
        && up(&b[0])
        && dg(&b[1])
        && up(&b[2])
        && b[3] == b' '
        && dg(&b[4])
        && up(&b[5])
        && dg(&b[6])
    {
        return true;
    }
    // UK: outward (A9, A99, AA9, AA99, A9A, AA9A) + space + inward (9AA).
    if let Some((out, inw)) = s.split_once(' ') {
        let o = out.as_bytes();
        let i = inw.as_bytes();
        let inward_ok = i.len() == 3 && dg(&i[0]) && up(&i[1]) && up(&i[2]);
        let letters = o.iter().take_while(|c| up(c)).count();
        let outward_ok = (2..=4).contains(&o.len())
            && (1..=2).contains(&letters)
            && o.get(letters).is_some_and(dg)
            && o[letters..].iter().all(|c| dg(c) || up(c));
        return inward_ok && outward_ok;
    }
    false
}

const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "av",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "terrace",
    "close",
    "crescent",
    "square",
    "sq",
    "highway",
    "hwy",
    "parkway",
    "pkwy",
    "rue",
    "calle",
    "via",
    "viale",
    "avenida",
    "rua",
    "straat",
    "laan",
    "weg",
    "gasse",
    "platz",
    "allee",
    "chemin",
    "plaza",
    "paseo",
    "carrer",
];
const STREET_SUFFIXES: &[&str] = &[
    "straße", "strasse", "str.", "weg", "gasse", "platz", "straat", "laan", "allee",
];

/// A house number plus a street word (`12 Oak Street`, `Hauptstraße 5`,
/// `3 rue de la Paix`, `Calle Mayor 7, Madrid`).
pub fn is_street_address(s: &str) -> bool {
    let mut has_number = false;
    let mut has_street = false;
    let mut words = 0;
    for raw in s.split(|c: char| c.is_whitespace() || c == ',') {
        if raw.is_empty() {
            continue;
        }
        words += 1;
        let t = raw.trim_end_matches('.').to_lowercase();
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && digits <= 5 && t.len() - digits <= 1 {
            has_number = true;
        }
        if STREET_WORDS.contains(&t.as_str())
            || STREET_SUFFIXES
                .iter()
                .any(|x| raw.to_lowercase().ends_with(x) && t.len() > x.len())
        {
            has_street = true;
        }
    }
    has_number && has_street && words >= 2
}

/// 1-4 letters, an optional dash, then 5-12 digits (`MRN0012345`, `H-884213`).
/// ICD codes such as `V57` or `E909` have too few digits.
pub fn is_mrn_like(s: &str) -> bool {
    let letters = s.chars().take_while(char::is_ascii_alphabetic).count();
    if !(1..=4).contains(&letters) {
        return false;
    }
    let rest = &s[letters..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    (5..=12).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
}

/// 1-4 capitalised alphabetic words (`Ana María López`, `O'Brien, Sean`,
/// `J. Smith`), with no digits.
pub fn is_person_name(s: &str) -> bool {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if !(1..=4).contains(&words.len()) {
        return false;
    }
    words.iter().all(|w| {
        let mut cs = w.chars();
        cs.next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.' | '’'))
            && w.chars().filter(|c| c.is_alphabetic()).count() >= 1
    })
}

/// Whether any word of the value is a common given name or surname from the
/// embedded lists (used to tell names from other capitalised words such as
/// drug names or countries).
fn has_known_name(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .any(|w| crate::fake::is_known_name(w.trim_end_matches('.')))
}

/// Sentences: on average at least 4 words and 20 characters.
fn looks_like_free_text(values: &[String]) -> bool {
    if values.is_empty() {
        return false;
    }
    let words: usize = values.iter().map(|v| v.split_whitespace().count()).sum();
    let chars: usize = values.iter().map(|v| v.chars().count()).sum();
    let n = values.len() as f64;
    words as f64 / n >= 4.0 && chars as f64 / n >= 20.0
}

/// Parses a date in the layouts clinical exports use: ISO (`1961-07-04`,
/// with an optional time), `dd/mm/yyyy`, `mm/dd/yyyy`, `dd.mm.yyyy`,
/// `dd-mm-yyyy`. Returns days since 1970-01-01. Ambiguous day/month order
/// does not matter here: only "is it a date" and the year are used.
pub fn parse_date_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((secs, _)) = crate::datetime::parse_datetime(s) {
        return Some(secs.div_euclid(86_400));
    }
    let date = s.split([' ', 'T']).next()?;
    let sep = [b'/', b'.', b'-']
        .into_iter()
        .find(|c| date.as_bytes().contains(c))?;
    let parts: Vec<&str> = date.split(sep as char).collect();
    if parts.len() != 3 || parts[2].len() != 4 || parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    let a: u32 = parts[0].parse().ok()?;
    let b: u32 = parts[1].parse().ok()?;
    let y: i64 = parts[2].parse().ok()?;
    let (d, m) = if b > 12 { (b, a) } else { (a, b) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1800..=2200).contains(&y) {
        return None;
    }
    Some(crate::datetime::days_from_civil(y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(name: &str, v: &[&str]) -> Column {
        let v: Vec<Option<&str>> = v.iter().map(|s| Some(*s)).collect();
        Column::from_strs(name, &v)
    }

    #[test]
    fn name_tokens_split_camel_case_and_punctuation() {
        let n = NameInfo::new("PatientID");
        assert_eq!(n.tokens, vec!["patient", "id"]);
        let n = NameInfo::new("e_mail");
        assert_eq!(n.joined, "email");
        let n = NameInfo::new("DOB");
        assert_eq!(n.tokens, vec!["dob"]);
        let n = NameInfo::new("Patient Name");
        assert_eq!(n.tokens, vec!["patient", "name"]);
    }

    #[test]
    fn matchers_accept_and_reject() {
        assert!(is_email("ana.lopez@example.org"));
        assert!(!is_email("ana lopez@example.org"));
        assert!(!is_email("250.83"));
        assert!(is_ssn("912-34-5678"));
        assert!(!is_ssn("912345678"));
        assert!(is_phone("(212) 555-0142"));
        assert!(is_phone("+44 20 7946 0958"));
        assert!(!is_phone("2021-03-04"));
        assert!(!is_phone("912-34-5678"));
        assert!(!is_phone("8222157"));
        assert!(!is_phone("250.83"));
        assert!(is_distinctive_postcode("SW1A 1AA"));
        assert!(is_distinctive_postcode("K1A 0B1"));
        assert!(is_distinctive_postcode("1012 AB"));
        assert!(!is_distinctive_postcode("02134"));
        assert!(!is_distinctive_postcode("Never married"));
        assert!(is_street_address("12 Oak Street"));
        assert!(is_street_address("Hauptstraße 5, Berlin"));
        assert!(is_street_address("3 rue de la Paix"));
        assert!(!is_street_address("Pediatrics-Endocrinology"));
        assert!(is_mrn_like("MRN0012345"));
        assert!(!is_mrn_like("V57"));
        assert!(!is_mrn_like("E909"));
        assert!(is_person_name("Ana María López"));
        assert!(!is_person_name("250.83"));
        assert_eq!(
            parse_date_text("04/07/1961"),
            Some(crate::datetime::days_from_civil(1961, 7, 4))
        );
        assert_eq!(parse_date_text("[70-80)"), None);
    }

    #[test]
    fn icd_codes_and_short_codes_are_not_identifiers() {
        let diag: Vec<String> = (0..200)
            .map(|i| ["250.83", "V57", "428", "E909", "414"][i % 5].to_string())
            .collect();
        let refs: Vec<&str> = diag.iter().map(String::as_str).collect();
        assert_eq!(detect_column(&strs("diag_1", &refs)), None);
        assert_eq!(
            detect_column(&strs("payer_code", &["MC", "HM", "SP", "MC"])),
            None
        );
        assert_eq!(
            detect_column(&strs("age", &["[70-80)", "[60-70)", "[70-80)"])),
            None
        );
    }

    #[test]
    fn drug_names_are_not_person_names() {
        let c = strs(
            "drug_name",
            &["Metformin", "Insulin", "Glipizide", "Metformin"],
        );
        assert_eq!(detect_column(&c), None);
    }

    #[test]
    fn birth_weight_is_not_a_birth_date() {
        let c = Column::from_f64("birth_weight", &[Some(3.2), Some(2.9), None]);
        assert_eq!(detect_column(&c), None);
    }

    #[test]
    fn id_suffix_with_few_codes_is_a_category() {
        let v: Vec<Option<i64>> = (0..500).map(|i| Some(i % 8)).collect();
        assert_eq!(
            detect_column(&Column::from_i64("admission_type_id", &v)),
            None
        );
        let unique: Vec<Option<i64>> = (0..500).map(|i| Some(1000 + i * 7)).collect();
        let d = detect_column(&Column::from_i64("encounter_id", &unique)).unwrap();
        assert_eq!(d.id_type, IdentifierType::RowKey);
        assert_eq!(d.action, MaskAction::Drop);
        let d = detect_column(&Column::from_i64("patient_nbr", &v)).unwrap();
        assert_eq!(d.id_type, IdentifierType::Mrn);
        assert_eq!(d.action, MaskAction::Pseudonymize);
    }
}
