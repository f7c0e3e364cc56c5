//! Realistic fake values for identifier columns.
//!
//! Synthetic data is shared outside the hospital, so identifier columns must
//! look real (downstream tools and reviewers expect a name in the name
//! column) while being provably not real: phone numbers are in the North
//! American fictional range `555-0100`..`555-0199`, SSNs in the never-issued
//! 900-999 area, e-mails on the reserved `example.*` domains (RFC 2606), and
//! names are drawn independently of any record. Lists are small, embedded and
//! of mixed origins so that the demo data does not suggest a single
//! population.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::datetime::days_from_civil;
use crate::schema::IdentifierType;
use crate::table::{Column, ColumnData};

/// Given names of mixed origins (English, Spanish, Arabic, Chinese, Indian,
/// West African, Slavic, German, French, Japanese, Korean, Turkish).
pub const GIVEN_NAMES: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Charles",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Margaret",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "José",
    "María",
    "Juan",
    "Carmen",
    "Luis",
    "Ana",
    "Carlos",
    "Lucía",
    "Javier",
    "Sofía",
    "Miguel",
    "Isabel",
    "Mohammed",
    "Fatima",
    "Ahmed",
    "Aisha",
    "Omar",
    "Layla",
    "Yusuf",
    "Mariam",
    "Wei",
    "Li",
    "Jing",
    "Min",
    "Hui",
    "Xiaoming",
    "Mei",
    "Jun",
    "Priya",
    "Rahul",
    "Anjali",
    "Arjun",
    "Deepa",
    "Vikram",
    "Sunita",
    "Ravi",
    "Chinedu",
    "Ngozi",
    "Kwame",
    "Ama",
    "Oluwaseun",
    "Abena",
    "Kofi",
    "Adaeze",
    "Ivan",
    "Olga",
    "Dmitri",
    "Natalia",
    "Piotr",
    "Katarzyna",
    "Jan",
    "Agnieszka",
    "Lukas",
    "Anna",
    "Jonas",
    "Lena",
    "Felix",
    "Marie",
    "Paul",
    "Sophie",
    "Louis",
    "Camille",
    "Hugo",
    "Chloé",
    "Hiroshi",
    "Yuki",
    "Kenji",
    "Akiko",
    "Minjun",
    "Jiwoo",
    "Seoyeon",
    "Mehmet",
    "Ayşe",
    "Mustafa",
    "Zeynep",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
];

/// Family names of the same mix of origins.
pub const FAMILY_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Khan",
    "Ali",
    "Hassan",
    "Hussein",
    "Rahman",
    "Haddad",
    "Nasser",
    "Mansour",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Patel",
    "Sharma",
    "Singh",
    "Kumar",
    "Gupta",
    "Reddy",
    "Nair",
    "Iyer",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Boateng",
    "Okonkwo",
    "Diallo",
    "Traoré",
    "Nwosu",
    "Ivanov",
    "Petrova",
    "Kowalski",
    "Nowak",
    "Novák",
    "Horvat",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Bernard",
    "Rossi",
    "Russo",
    "Ferrari",
    "Bianchi",
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Yılmaz",
    "Kaya",
    "Demir",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Nguyen",
    "Tran",
    "Pham",
    "Silva",
    "Santos",
    "Costa",
];

const STREETS: &[&str] = &[
    "Oak", "Maple", "Cedar", "Elm", "Pine", "Willow", "Birch", "Chestnut", "Hawthorn", "Juniper",
    "Magnolia", "Linden", "Meadow", "River", "Lake", "Hill", "Park", "Church", "Mill", "Station",
    "Victoria", "Garden", "Orchard", "Harbor", "Sunset", "Highland", "Valley", "Spring", "Forest",
    "Bridge",
];
const STREET_TYPES: &[&str] = &[
    "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way", "Terrace",
];
const CITIES: &[&str] = &[
    "Springfield",
    "Riverside",
    "Fairview",
    "Greenville",
    "Franklin",
    "Madison",
    "Clinton",
    "Georgetown",
    "Salem",
    "Ashland",
    "Oakdale",
    "Milton",
    "Kingston",
    "Lakewood",
    "Bristol",
];
/// Area codes used with the fictional 555-01xx exchange numbers.
const AREA_CODES: &[u16] = &[
    201, 212, 305, 312, 404, 415, 503, 602, 617, 713, 720, 808, 919,
];
const MAIL_DOMAINS: &[&str] = &["example.org", "example.com", "example.net"];

/// Whether `word` is one of the embedded given or family names (compared
/// case-sensitively, as names are capitalised). Identifier detection uses it
/// to tell a column of person names from other capitalised words.
pub fn is_known_name(word: &str) -> bool {
    GIVEN_NAMES.contains(&word) || FAMILY_NAMES.contains(&word)
}

/// One fake person: the parts other fake values (e-mail, notes) are built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePerson {
    pub given: &'static str,
    pub family: &'static str,
}

impl FakePerson {
    /// `Given Family`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// Draws a person with independent given and family names.
pub fn person(rng: &mut impl Rng) -> FakePerson {
    FakePerson {
        given: GIVEN_NAMES.choose(rng).copied().unwrap_or("Alex"),
        family: FAMILY_NAMES.choose(rng).copied().unwrap_or("Doe"),
    }
}

/// An e-mail on a reserved `example.*` domain built from a person's name
/// (`ana.lopez42@example.org`), ASCII-folded as mail providers require.
pub fn email_for(p: &FakePerson, rng: &mut impl Rng) -> String {
    let given = ascii_fold(p.given);
    let family = ascii_fold(p.family);
    let domain = MAIL_DOMAINS.choose(rng).copied().unwrap_or("example.org");
    match rng.random_range(0..3) {
        0 => format!("{given}.{family}@{domain}"),
        1 => format!(
            "{}{family}{}@{domain}",
            &given[..given.len().min(1)],
            rng.random_range(1..100)
        ),
        _ => format!("{given}.{family}{}@{domain}", rng.random_range(1..1000)),
    }
}

/// A phone number in the fictional `555-0100`..`555-0199` range.
pub fn phone(rng: &mut impl Rng) -> String {
    let area = AREA_CODES.choose(rng).copied().unwrap_or(555);
    format!("({area}) 555-01{:02}", rng.random_range(0..100))
}

/// An SSN-shaped number in the never-issued 900-999 area.
pub fn ssn(rng: &mut impl Rng) -> String {
    format!(
        "{}-{:02}-{:04}",
        rng.random_range(900..1000),
        rng.random_range(1..100),
        rng.random_range(1..10_000)
    )
}

/// A street address line: `1234 Maple Avenue`.
pub fn street_address(rng: &mut impl Rng) -> String {
    format!(
        "{} {} {}",
        rng.random_range(1..2500),
        STREETS.choose(rng).copied().unwrap_or("Main"),
        STREET_TYPES.choose(rng).copied().unwrap_or("Street")
    )
}

/// A city name from the embedded list.
pub fn city(rng: &mut impl Rng) -> &'static str {
    CITIES.choose(rng).copied().unwrap_or("Springfield")
}

/// A 5-digit postcode (US ZIP layout).
pub fn postcode(rng: &mut impl Rng) -> String {
    format!("{:05}", rng.random_range(1000..100_000))
}

/// `n` distinct MRNs (`MRN` + 7 digits): an affine walk `a + i*b mod 10^7`
/// with `b` coprime to 10 visits every number once, so keys stay unique up to
/// ten million rows without a hash set; a random `a` and large `b` keep
/// neighbouring rows from looking sequential.
pub fn mrns(n: usize, rng: &mut impl Rng) -> Vec<String> {
    const M: u64 = 10_000_000;
    let a = rng.random_range(0..M);
    let mut b = rng.random_range(1_000_003..M);
    while b.is_multiple_of(2) || b.is_multiple_of(5) {
        b += 1;
    }
    (0..n as u64)
        .map(|i| format!("MRN{:07}", (a + i.wrapping_mul(b)) % M))
        .collect()
}

/// A date of birth (days since 1970) for someone aged 18-95 on 2024-01-01,
/// roughly uniform over that span.
pub fn birth_day(rng: &mut impl Rng) -> i64 {
    let hi = days_from_civil(2005, 12, 31);
    let lo = days_from_civil(1929, 1, 1);
    rng.random_range(lo..=hi)
}

/// An exact person date (visit, admission) in 2015-2024.
pub fn event_day(rng: &mut impl Rng) -> i64 {
    rng.random_range(days_from_civil(2015, 1, 1)..=days_from_civil(2024, 12, 31))
}

const NOTE_TEMPLATES: &[&str] = &[
    "Patient seen in clinic, reports {s}. Follow-up in {w} weeks.",
    "Referred by GP for {s}. Stress test ordered.",
    "Reviewed results with patient. {s}. Continue current medication.",
    "Telephone consultation; {s}. Advised lifestyle changes.",
    "Discharged home in stable condition. {s}.",
];
const NOTE_SYMPTOMS: &[&str] = &[
    "intermittent chest tightness on exertion",
    "shortness of breath climbing stairs",
    "palpitations at night",
    "no chest pain since last visit",
    "ankle swelling in the evenings",
    "occasional dizziness",
];

/// A short clinical note with no identifiers of its own.
pub fn note(rng: &mut impl Rng) -> String {
    let t = NOTE_TEMPLATES.choose(rng).copied().unwrap_or("{s}.");
    let s = NOTE_SYMPTOMS
        .choose(rng)
        .copied()
        .unwrap_or("no complaints");
    t.replace("{s}", s)
        .replace("{w}", &rng.random_range(2..13).to_string())
}

/// A column of `n_rows` fake values for an identifier type. Dates come back
/// as date-only `DateTime` columns, row keys as integers `1..=n` in shuffled
/// order, everything else as text. The name is only used to name the column.
pub fn fake_column(
    name: &str,
    id_type: IdentifierType,
    n_rows: usize,
    rng: &mut impl Rng,
) -> Column {
    let valid = vec![true; n_rows];
    let text = |f: &mut dyn FnMut() -> String| -> ColumnData {
        ColumnData::Text((0..n_rows).map(|_| f()).collect())
    };
    let data = match id_type {
        IdentifierType::Name => text(&mut || person(rng).full_name()),
        IdentifierType::Email => text(&mut || {
            let p = person(rng);
            email_for(&p, rng)
        }),
        IdentifierType::Phone => text(&mut || phone(rng)),
        IdentifierType::Ssn => text(&mut || ssn(rng)),
        IdentifierType::Mrn => ColumnData::Text(mrns(n_rows, rng)),
        IdentifierType::RowKey => {
            let mut keys: Vec<i64> = (1..=n_rows as i64).collect();
            rand::seq::SliceRandom::shuffle(keys.as_mut_slice(), rng);
            ColumnData::Int(keys)
        }
        IdentifierType::Address => text(&mut || street_address(rng)),
        IdentifierType::Postcode => text(&mut || postcode(rng)),
        IdentifierType::BirthDate => ColumnData::DateTime {
            secs: (0..n_rows).map(|_| birth_day(rng) * 86_400).collect(),
            date_only: true,
        },
        IdentifierType::ExactDate => ColumnData::DateTime {
            secs: (0..n_rows).map(|_| event_day(rng) * 86_400).collect(),
            date_only: true,
        },
        IdentifierType::FreeText => text(&mut || note(rng)),
    };
    Column::new(name, data, valid)
}

/// Strips accents and non-letters for e-mail local parts
/// (`Müller` -> `muller`, `O'Brien` -> `obrien`).
fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let m = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ı' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ş' => 's',
            'ý' => 'y',
            c if c.is_ascii_alphabetic() => c,
            _ => continue,
        };
        out.push(m);
    }
    if out.is_empty() {
        "user".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::{is_email, is_phone, is_ssn};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn values_are_in_reserved_ranges() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            let p = phone(&mut rng);
            assert!(p.contains(" 555-01") && is_phone(&p), "{p}");
            let s = ssn(&mut rng);
            assert!(s.starts_with('9') && is_ssn(&s), "{s}");
            let e = email_for(&person(&mut rng), &mut rng);
            assert!(is_email(&e) && e.contains("@example."), "{e}");
        }
    }

    #[test]
    fn mrns_are_unique_and_well_formed() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let m = mrns(20_000, &mut rng);
        let set: std::collections::HashSet<&String> = m.iter().collect();
        assert_eq!(set.len(), m.len());
        assert!(m.iter().all(|s| s.len() == 10 && s.starts_with("MRN")));
    }

    #[test]
    fn fake_column_is_deterministic_and_sized() {
        for t in [
            IdentifierType::Name,
            IdentifierType::BirthDate,
            IdentifierType::RowKey,
            IdentifierType::FreeText,
        ] {
            let a = fake_column("x", t, 50, &mut ChaCha8Rng::seed_from_u64(9));
            let b = fake_column("x", t, 50, &mut ChaCha8Rng::seed_from_u64(9));
            assert_eq!(a, b);
            assert_eq!(a.len(), 50);
            assert_eq!(a.missing_count(), 0);
        }
    }

    #[test]
    fn ascii_fold_handles_accents_and_apostrophes() {
        assert_eq!(ascii_fold("Müller"), "muller");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
        assert_eq!(ascii_fold("Yılmaz"), "yilmaz");
    }
}
