//! Parquet through arrow-rs: conversion between our columns and Arrow
//! arrays, and the reader. (The streaming writer is in `writer`.)
//!
//! Types map one to one so that a round trip keeps the physical type:
//! Float ↔ Float64, Int ↔ Int64, Bool ↔ Boolean, DateTime ↔ Date32 (plain
//! dates) or Timestamp(second), Categorical ↔ Dictionary(Int32, Utf8),
//! Text ↔ Utf8 tagged `medsynth:physical = text`. Files written by other
//! tools (pandas, Spark) also read: any integer width, Float32, LargeUtf8,
//! Utf8View, any dictionary key type, Date64 and timestamps of any unit.
//! NaN in a float column is read as missing (pandas writes missing floats
//! that way); infinities are an error.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array,
    Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Field, Int32Type, Schema as ArrowSchema, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{DataError, Location, Result};
use crate::io::cells::looks_like_free_text;
use crate::io::{ReadOptions, invalid_file};
use crate::table::{Column, ColumnData, Table};

/// Field metadata key recording a `Text` column (Utf8 alone is ambiguous).
const PHYSICAL_KEY: &str = "medsynth:physical";

/// The Arrow schema for a table layout.
pub(crate) fn arrow_schema(table: &Table) -> Arc<ArrowSchema> {
    let fields: Vec<Field> = table
        .columns()
        .iter()
        .map(|c| {
            let dt = match &c.data {
                ColumnData::Float(_) => DataType::Float64,
                ColumnData::Int(_) => DataType::Int64,
                ColumnData::Bool(_) => DataType::Boolean,
                ColumnData::DateTime {
                    date_only: true, ..
                } => DataType::Date32,
                ColumnData::DateTime {
                    date_only: false, ..
                } => DataType::Timestamp(TimeUnit::Second, None),
                ColumnData::Categorical { .. } => {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                }
                ColumnData::Text(_) => DataType::Utf8,
            };
            let f = Field::new(c.name.clone(), dt, true);
            if matches!(c.data, ColumnData::Text(_)) {
                f.with_metadata([(PHYSICAL_KEY, "text")])
            } else {
                f
            }
        })
        .collect();
    Arc::new(ArrowSchema::new(fields))
}

fn nulls(valid: &[bool]) -> Option<NullBuffer> {
    if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid.to_vec()))
    }
}

/// One column as an Arrow array.
fn to_array(c: &Column) -> Result<ArrayRef> {
    let nb = nulls(&c.valid);
    Ok(match &c.data {
        ColumnData::Float(v) => Arc::new(Float64Array::new(v.clone().into(), nb)),
        ColumnData::Int(v) => Arc::new(Int64Array::new(v.clone().into(), nb)),
        ColumnData::Bool(v) => Arc::new(BooleanArray::new(v.as_slice().into(), nb)),
        ColumnData::DateTime {
            secs,
            date_only: true,
        } => {
            let days: Vec<i32> = secs
                .iter()
                .map(|s| s.div_euclid(86_400).clamp(i32::MIN as i64, i32::MAX as i64) as i32)
                .collect();
            Arc::new(Date32Array::new(days.into(), nb))
        }
        ColumnData::DateTime {
            secs,
            date_only: false,
        } => Arc::new(TimestampSecondArray::new(secs.clone().into(), nb)),
        ColumnData::Categorical { codes, dict } => {
            let mut values: Vec<&str> = dict.iter().map(String::as_str).collect();
            if values.is_empty() {
                values.push(""); // keys of missing cells must still point somewhere
            }
            let n_values = values.len();
            let keys: Vec<i32> = codes
                .iter()
                .zip(&c.valid)
                .map(|(&k, &ok)| {
                    if ok && (k as usize) < n_values {
                        k as i32
                    } else {
                        0
                    }
                })
                .collect();
            let arr = DictionaryArray::<Int32Type>::try_new(
                Int32Array::new(keys.into(), nb),
                Arc::new(StringArray::from(values)),
            )
            .map_err(|e| {
                DataError::invalid(
                    Location::default().with_column(c.name.clone()),
                    e.to_string(),
                )
            })?;
            Arc::new(arr)
        }
        ColumnData::Text(v) => Arc::new(StringArray::from_iter(
            v.iter()
                .zip(&c.valid)
                .map(|(s, &ok)| ok.then_some(s.as_str())),
        )),
    })
}

/// A table as one record batch of `schema`.
pub(crate) fn to_record_batch(table: &Table, schema: &Arc<ArrowSchema>) -> Result<RecordBatch> {
    let arrays = table
        .columns()
        .iter()
        .map(to_array)
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema.clone(), arrays).map_err(|e| {
        DataError::invalid(
            Location::default(),
            format!("cannot build a Parquet batch: {e}"),
        )
    })
}

/// What a string column becomes: fixed by the Arrow type where it is
/// unambiguous (dictionary → Categorical, tagged Utf8 → Text), guessed like
/// CSV otherwise.
#[derive(Clone, Copy, PartialEq)]
enum StrMode {
    Text,
    Categorical,
    Guess,
}

/// Accumulates one column over record batches.
enum Builder {
    Float(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    DateTime {
        secs: Vec<i64>,
        date_only: bool,
    },
    Strings {
        codes: Vec<u32>,
        dict: Vec<String>,
        index: HashMap<String, u32>,
        bytes: usize,
        mode: StrMode,
    },
}

impl Builder {
    fn for_type(dt: &DataType, text_tag: bool) -> Option<Builder> {
        Some(match dt {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Builder::Float(Vec::new()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => Builder::Int(Vec::new()),
            DataType::Boolean => Builder::Bool(Vec::new()),
            DataType::Date32 | DataType::Date64 => Builder::DateTime {
                secs: Vec::new(),
                date_only: true,
            },
            DataType::Timestamp(_, _) => Builder::DateTime {
                secs: Vec::new(),
                date_only: false,
            },
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Builder::strings(if text_tag {
                    StrMode::Text
                } else {
                    StrMode::Guess
                })
            }
            DataType::Dictionary(_, v)
                if matches!(
                    **v,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                Builder::strings(StrMode::Categorical)
            }
            _ => return None,
        })
    }

    fn strings(mode: StrMode) -> Builder {
        Builder::Strings {
            codes: Vec::new(),
            dict: Vec::new(),
            index: HashMap::new(),
            bytes: 0,
            mode,
        }
    }
}

fn intern(s: &str, dict: &mut Vec<String>, index: &mut HashMap<String, u32>) -> u32 {
    if let Some(&c) = index.get(s) {
        return c;
    }
    let c = dict.len() as u32;
    dict.push(s.to_string());
    index.insert(s.to_string(), c);
    c
}

/// Appends the cells of an Arrow array of string type (plain or view).
fn push_strings(
    arr: &dyn Array,
    valid: &mut Vec<bool>,
    codes: &mut Vec<u32>,
    dict: &mut Vec<String>,
    index: &mut HashMap<String, u32>,
    bytes: &mut usize,
) {
    let mut push = |s: Option<&str>| match s {
        Some(s) => {
            *bytes += s.len();
            codes.push(intern(s, dict, index));
            valid.push(true);
        }
        None => {
            codes.push(0);
            valid.push(false);
        }
    };
    match arr.data_type() {
        DataType::Utf8 => arr.as_string::<i32>().iter().for_each(&mut push),
        DataType::LargeUtf8 => arr.as_string::<i64>().iter().for_each(&mut push),
        _ => arr.as_string_view().iter().for_each(&mut push),
    }
}

fn arrow_err(path: &Path, column: &str, e: impl std::fmt::Display) -> DataError {
    DataError::invalid(Location::file(path).with_column(column), e.to_string())
}

/// Reads a Parquet file.
pub fn read_parquet(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    if total == 0 {
        return Err(invalid_file(path, "the file is empty (0 bytes)"));
    }
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| invalid_file(path, format!("not a readable Parquet file: {e}")))?;
    let schema = builder.schema().clone();
    let n_rows_total = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let reader = builder
        .with_batch_size(65_536)
        .build()
        .map_err(|e| invalid_file(path, format!("cannot read Parquet: {e}")))?;

    let mut builders = Vec::with_capacity(schema.fields().len());
    let mut seen = std::collections::HashSet::new();
    for f in schema.fields() {
        if f.name().trim().is_empty() {
            return Err(invalid_file(path, "a column has an empty name"));
        }
        if !seen.insert(f.name().clone()) {
            return Err(invalid_file(
                path,
                format!("duplicate column name '{}'", f.name()),
            ));
        }
        let text_tag = f.metadata().get(PHYSICAL_KEY).is_some_and(|v| v == "text");
        let b = Builder::for_type(f.data_type(), text_tag).ok_or_else(|| {
            arrow_err(
                path,
                f.name(),
                format!(
                    "unsupported Parquet/Arrow type {}; convert it to a number, string or date",
                    f.data_type()
                ),
            )
        })?;
        builders.push(b);
    }
    let mut valids: Vec<Vec<bool>> = vec![Vec::new(); builders.len()];

    let mut rows_done = 0usize;
    for batch in reader {
        let batch =
            batch.map_err(|e| invalid_file(path, format!("cannot read Parquet data: {e}")))?;
        for (j, (b, valid)) in builders.iter_mut().zip(valids.iter_mut()).enumerate() {
            let name = schema.field(j).name();
            append(b, valid, batch.column(j), path, name, rows_done)?;
        }
        rows_done += batch.num_rows();
        if let Some(cb) = &opts.progress {
            cb(total * rows_done as u64 / n_rows_total.max(1), total);
        }
    }
    if rows_done == 0 {
        return Err(invalid_file(path, "the file has columns but no data rows"));
    }
    let columns = builders
        .into_iter()
        .zip(valids)
        .zip(schema.fields())
        .map(|((b, valid), f)| finish(b, valid, f.name()))
        .collect();
    Table::new(columns).map_err(|m| invalid_file(path, m))
}

fn append(
    b: &mut Builder,
    valid: &mut Vec<bool>,
    arr: &ArrayRef,
    path: &Path,
    name: &str,
    offset: usize,
) -> Result<()> {
    let push_valid = |valid: &mut Vec<bool>| {
        let start = valid.len();
        valid.extend((0..arr.len()).map(|i| arr.is_valid(i)));
        start
    };
    match b {
        Builder::Float(v) => {
            let a = arrow::compute::cast(arr, &DataType::Float64)
                .map_err(|e| arrow_err(path, name, e))?;
            let a = a.as_primitive::<arrow::datatypes::Float64Type>();
            let start = push_valid(valid);
            for (i, &x) in a.values().iter().enumerate() {
                let ok = valid[start + i];
                if ok && x.is_nan() {
                    valid[start + i] = false;
                    v.push(0.0);
                } else if ok && x.is_infinite() {
                    return Err(DataError::invalid(
                        Location::file(path)
                            .with_row(offset + i + 1)
                            .with_column(name),
                        format!("{x} is not a finite number; medsynth accepts only finite values"),
                    ));
                } else {
                    v.push(if ok { x } else { 0.0 });
                }
            }
        }
        Builder::Int(v) => {
            let opts = arrow::compute::CastOptions {
                safe: false,
                ..Default::default()
            };
            let a =
                arrow::compute::cast_with_options(arr, &DataType::Int64, &opts).map_err(|e| {
                    arrow_err(path, name, format!("integer does not fit in 64 bits: {e}"))
                })?;
            push_valid(valid);
            v.extend_from_slice(a.as_primitive::<arrow::datatypes::Int64Type>().values());
        }
        Builder::Bool(v) => {
            push_valid(valid);
            let a = arr.as_boolean();
            v.extend((0..a.len()).map(|i| a.value(i)));
        }
        Builder::DateTime { secs, .. } => {
            push_valid(valid);
            match arr.data_type() {
                DataType::Date32 => secs.extend(
                    arr.as_primitive::<Date32Type>()
                        .values()
                        .iter()
                        .map(|&d| d as i64 * 86_400),
                ),
                DataType::Date64 => secs.extend(
                    arr.as_primitive::<Date64Type>()
                        .values()
                        .iter()
                        .map(|&ms| ms.div_euclid(1000)),
                ),
                DataType::Timestamp(TimeUnit::Second, _) => {
                    secs.extend_from_slice(arr.as_primitive::<TimestampSecondType>().values())
                }
                DataType::Timestamp(TimeUnit::Millisecond, _) => secs.extend(
                    arr.as_primitive::<TimestampMillisecondType>()
                        .values()
                        .iter()
                        .map(|&x| x.div_euclid(1_000)),
                ),
                DataType::Timestamp(TimeUnit::Microsecond, _) => secs.extend(
                    arr.as_primitive::<TimestampMicrosecondType>()
                        .values()
                        .iter()
                        .map(|&x| x.div_euclid(1_000_000)),
                ),
                _ => secs.extend(
                    arr.as_primitive::<TimestampNanosecondType>()
                        .values()
                        .iter()
                        .map(|&x| x.div_euclid(1_000_000_000)),
                ),
            }
        }
        Builder::Strings {
            codes,
            dict,
            index,
            bytes,
            ..
        } => {
            if let Some(d) = arr.as_any_dictionary_opt() {
                // Map the batch dictionary to ours once, then the keys.
                let mut local_valid = Vec::new();
                let mut local_codes = Vec::new();
                push_strings(
                    d.values().as_ref(),
                    &mut local_valid,
                    &mut local_codes,
                    dict,
                    index,
                    &mut 0,
                );
                let start = push_valid(valid);
                if local_codes.is_empty() {
                    codes.extend(std::iter::repeat_n(0, arr.len()));
                    valid[start..].iter_mut().for_each(|v| *v = false);
                } else {
                    for (i, k) in d.normalized_keys().into_iter().enumerate() {
                        let ok = valid[start + i] && local_valid[k];
                        valid[start + i] = ok;
                        codes.push(if ok { local_codes[k] } else { 0 });
                        if ok {
                            *bytes += dict[local_codes[k] as usize].len();
                        }
                    }
                }
            } else {
                push_strings(arr.as_ref(), valid, codes, dict, index, bytes);
            }
        }
    }
    Ok(())
}

fn finish(b: Builder, valid: Vec<bool>, name: &str) -> Column {
    let data = match b {
        Builder::Float(v) => ColumnData::Float(v),
        Builder::Int(v) => ColumnData::Int(v),
        Builder::Bool(v) => ColumnData::Bool(v),
        Builder::DateTime { secs, date_only } => ColumnData::DateTime { secs, date_only },
        Builder::Strings {
            codes,
            dict,
            bytes,
            mode,
            ..
        } => {
            let n_valid = valid.iter().filter(|v| **v).count();
            let text = match mode {
                StrMode::Text => true,
                StrMode::Categorical => false,
                StrMode::Guess => looks_like_free_text(dict.len(), n_valid, bytes),
            };
            if text {
                let v = codes
                    .iter()
                    .zip(&valid)
                    .map(|(&k, &ok)| {
                        if ok {
                            dict[k as usize].clone()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                ColumnData::Text(v)
            } else {
                ColumnData::Categorical { codes, dict }
            }
        }
    };
    Column::new(name, data, valid)
}
