//! Borrowed, allocation-free views over the string column flavours Arrow and
//! Parquet hand us.
//!
//! A Parquet writer may store a text column as plain `Utf8`, `LargeUtf8`,
//! `Utf8View` or dictionary-encoded; readers downstream should not care. The
//! views here resolve the flavour once per batch, so reading a cell costs an
//! enum match and an offset lookup, never an allocation.

use std::path::Path;

use arrow::array::{
    Array, AsArray, DictionaryArray, LargeStringArray, PrimitiveArray, StringArray, StringViewArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    ArrowDictionaryKeyType, DataType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};

use crate::error::{Error, Result};

/// True for the types [`StringColumn`] can read: `Utf8`, `LargeUtf8`,
/// `Utf8View`, and dictionaries (any integer key) of those.
pub fn is_string_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(key, value) => {
            key.is_dictionary_key_type()
                && matches!(
                    value.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
        }
        _ => false,
    }
}

/// True for the types [`StringListColumn`] can read: `List` or `LargeList`
/// whose items are a [string type](is_string_type).
pub fn is_string_list_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => is_string_type(item.data_type()),
        _ => false,
    }
}

/// A non-dictionary string array.
#[derive(Clone, Copy, Debug)]
enum Flat<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Flat<'a> {
    fn from_array(array: &'a dyn Array) -> Option<Flat<'a>> {
        if let Some(a) = array.as_string_opt::<i32>() {
            Some(Flat::Utf8(a))
        } else if let Some(a) = array.as_string_opt::<i64>() {
            Some(Flat::Large(a))
        } else {
            array.as_string_view_opt().map(Flat::View)
        }
    }

    fn array(&self) -> &'a dyn Array {
        match *self {
            Flat::Utf8(a) => a,
            Flat::Large(a) => a,
            Flat::View(a) => a,
        }
    }

    /// The value at `i`, ignoring nulls (the caller checks them).
    fn raw(&self, i: usize) -> &'a str {
        match *self {
            Flat::Utf8(a) => a.value(i),
            Flat::Large(a) => a.value(i),
            Flat::View(a) => a.value(i),
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        if self.array().is_null(i) {
            None
        } else {
            Some(self.raw(i))
        }
    }
}

/// Dictionary keys of any integer width.
#[derive(Clone, Copy, Debug)]
enum Keys<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
}

impl<'a> Keys<'a> {
    fn array(&self) -> &'a dyn Array {
        match *self {
            Keys::I8(a) => a,
            Keys::I16(a) => a,
            Keys::I32(a) => a,
            Keys::I64(a) => a,
            Keys::U8(a) => a,
            Keys::U16(a) => a,
            Keys::U32(a) => a,
            Keys::U64(a) => a,
        }
    }

    /// The key at `i` as an index into the dictionary values. Arrow validates
    /// keys against the values length when the array is built, so the
    /// conversion cannot go out of range for a valid array; a negative key
    /// would be rejected there too, and reads as null here rather than panic.
    fn get(&self, i: usize) -> Option<usize> {
        if self.array().is_null(i) {
            return None;
        }
        match *self {
            Keys::I8(a) => usize::try_from(a.value(i)).ok(),
            Keys::I16(a) => usize::try_from(a.value(i)).ok(),
            Keys::I32(a) => usize::try_from(a.value(i)).ok(),
            Keys::I64(a) => usize::try_from(a.value(i)).ok(),
            Keys::U8(a) => Some(usize::from(a.value(i))),
            Keys::U16(a) => Some(usize::from(a.value(i))),
            Keys::U32(a) => usize::try_from(a.value(i)).ok(),
            Keys::U64(a) => usize::try_from(a.value(i)).ok(),
        }
    }
}

fn dictionary<'a, K: ArrowDictionaryKeyType>(
    array: &'a dyn Array,
    wrap: fn(&'a PrimitiveArray<K>) -> Keys<'a>,
) -> Option<(Keys<'a>, Flat<'a>)> {
    let dict: &'a DictionaryArray<K> = array.as_dictionary_opt::<K>()?;
    let values = Flat::from_array(dict.values().as_ref())?;
    Some((wrap(dict.keys()), values))
}

#[derive(Clone, Copy, Debug)]
enum Inner<'a> {
    Flat(Flat<'a>),
    Dict(Keys<'a>, Flat<'a>),
}

/// A read-only view of one string column of a batch, whatever its Arrow
/// flavour. Cheap to copy; cells borrow from the batch.
#[derive(Clone, Copy, Debug)]
pub struct StringColumn<'a> {
    inner: Inner<'a>,
    len: usize,
}

impl<'a> StringColumn<'a> {
    /// A view of `array`, or `None` when it is not a [string
    /// type](is_string_type).
    pub fn from_array(array: &'a dyn Array) -> Option<StringColumn<'a>> {
        let len = array.len();
        if let Some(flat) = Flat::from_array(array) {
            return Some(StringColumn {
                inner: Inner::Flat(flat),
                len,
            });
        }
        let (keys, values) = match array.data_type() {
            DataType::Dictionary(key, _) => match key.as_ref() {
                DataType::Int8 => dictionary::<Int8Type>(array, Keys::I8),
                DataType::Int16 => dictionary::<Int16Type>(array, Keys::I16),
                DataType::Int32 => dictionary::<Int32Type>(array, Keys::I32),
                DataType::Int64 => dictionary::<Int64Type>(array, Keys::I64),
                DataType::UInt8 => dictionary::<UInt8Type>(array, Keys::U8),
                DataType::UInt16 => dictionary::<UInt16Type>(array, Keys::U16),
                DataType::UInt32 => dictionary::<UInt32Type>(array, Keys::U32),
                DataType::UInt64 => dictionary::<UInt64Type>(array, Keys::U64),
                _ => None,
            },
            _ => None,
        }?;
        Some(StringColumn {
            inner: Inner::Dict(keys, values),
            len,
        })
    }

    /// Like [`StringColumn::from_array`], but a wrong type is an error naming
    /// the file and the column.
    pub fn try_new(array: &'a dyn Array, path: &Path, column: &str) -> Result<StringColumn<'a>> {
        StringColumn::from_array(array).ok_or_else(|| {
            Error::data_at(
                path,
                None,
                Some(column),
                format!(
                    "expected a string column (Utf8, LargeUtf8, Utf8View or a dictionary of \
                     strings), found {}",
                    array.data_type()
                ),
            )
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cell at row `i` of the batch, `None` when null.
    ///
    /// # Panics
    /// If `i >= self.len()`, like slice indexing: the row index comes from
    /// the caller's loop, not from the data.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        assert!(
            i < self.len,
            "row {i} out of range for a column of {}",
            self.len
        );
        match self.inner {
            Inner::Flat(flat) => flat.get(i),
            Inner::Dict(keys, values) => {
                let k = keys.get(i)?;
                if k < values.array().len() {
                    values.get(k)
                } else {
                    None
                }
            }
        }
    }

    /// Iterates over the cells in row order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a str>> + '_ {
        (0..self.len).map(|i| self.get(i))
    }
}

#[derive(Clone, Copy, Debug)]
enum Offsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
}

/// A read-only view of a `List<string>` / `LargeList<string>` column.
#[derive(Clone, Copy, Debug)]
pub struct StringListColumn<'a> {
    offsets: Offsets<'a>,
    nulls: Option<&'a NullBuffer>,
    items: StringColumn<'a>,
    len: usize,
}

impl<'a> StringListColumn<'a> {
    /// A view of `array`, or `None` when it is not a [list of
    /// strings](is_string_list_type).
    pub fn from_array(array: &'a dyn Array) -> Option<StringListColumn<'a>> {
        let (offsets, items) = if let Some(list) = array.as_list_opt::<i32>() {
            (
                Offsets::Small(list.value_offsets()),
                StringColumn::from_array(list.values().as_ref())?,
            )
        } else if let Some(list) = array.as_list_opt::<i64>() {
            (
                Offsets::Large(list.value_offsets()),
                StringColumn::from_array(list.values().as_ref())?,
            )
        } else {
            return None;
        };
        Some(StringListColumn {
            offsets,
            // Lists have no logical nulls beyond their validity bitmap.
            nulls: array.nulls(),
            items,
            len: array.len(),
        })
    }

    /// Like [`StringListColumn::from_array`], but a wrong type is an error
    /// naming the file and the column.
    pub fn try_new(
        array: &'a dyn Array,
        path: &Path,
        column: &str,
    ) -> Result<StringListColumn<'a>> {
        StringListColumn::from_array(array).ok_or_else(|| {
            Error::data_at(
                path,
                None,
                Some(column),
                format!(
                    "expected a list of strings (List<Utf8> or LargeList<Utf8>), found {}",
                    array.data_type()
                ),
            )
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items of the list at row `i`, `None` when the list itself is
    /// null. Null items inside a list are skipped.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> Option<StringListItems<'a>> {
        assert!(
            i < self.len,
            "row {i} out of range for a column of {}",
            self.len
        );
        if self.nulls.is_some_and(|n| n.is_null(i)) {
            return None;
        }
        // Offsets of a valid list array are non-negative and within the
        // child array; clamp anyway so a malformed file cannot index past it.
        let (start, end) = match self.offsets {
            Offsets::Small(o) => (
                usize::try_from(o[i]).unwrap_or(0),
                usize::try_from(o[i + 1]).unwrap_or(0),
            ),
            Offsets::Large(o) => (
                usize::try_from(o[i]).unwrap_or(0),
                usize::try_from(o[i + 1]).unwrap_or(0),
            ),
        };
        let end = end.min(self.items.len());
        Some(StringListItems {
            items: self.items,
            pos: start.min(end),
            end,
        })
    }
}

/// The non-null items of one list cell; see [`StringListColumn::get`].
#[derive(Clone, Debug)]
pub struct StringListItems<'a> {
    items: StringColumn<'a>,
    pos: usize,
    end: usize,
}

impl<'a> Iterator for StringListItems<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while self.pos < self.end {
            let i = self.pos;
            self.pos += 1;
            if let Some(s) = self.items.get(i) {
                return Some(s);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, Int32Array, LargeListBuilder, ListBuilder, StringBuilder, StringDictionaryBuilder,
    };
    use arrow::datatypes::{Field, UInt8Type};

    use super::*;

    fn cells(col: StringColumn<'_>) -> Vec<Option<String>> {
        col.iter().map(|c| c.map(str::to_owned)).collect()
    }

    #[test]
    fn every_string_flavour_reads_the_same() {
        let want = vec![Some("An".to_owned()), None, Some("Bình".to_owned())];
        let input = [Some("An"), None, Some("Bình")];
        let utf8: ArrayRef = Arc::new(StringArray::from(input.to_vec()));
        let large: ArrayRef = Arc::new(LargeStringArray::from(input.to_vec()));
        let view: ArrayRef = Arc::new(StringViewArray::from(input.to_vec()));
        let mut b = StringDictionaryBuilder::<UInt8Type>::new();
        b.append_option(input[0]);
        b.append_option(input[1]);
        b.append_option(input[2]);
        let dict8: ArrayRef = Arc::new(b.finish());
        let dict32: ArrayRef = Arc::new(
            input
                .iter()
                .copied()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        for a in [&utf8, &large, &view, &dict8, &dict32] {
            assert!(is_string_type(a.data_type()), "{}", a.data_type());
            let col = StringColumn::from_array(a.as_ref()).expect("string flavour");
            assert_eq!(col.len(), 3);
            assert_eq!(cells(col), want, "{}", a.data_type());
        }
    }

    #[test]
    fn wrong_type_is_an_error_naming_file_and_column() {
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
        assert!(!is_string_type(ints.data_type()));
        let err = StringColumn::try_new(ints.as_ref(), Path::new("t.parquet"), "person_id")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.parquet"), "{err}");
        assert!(err.contains("person_id"), "{err}");
        assert!(err.contains("Int32"), "{err}");
        assert!(StringListColumn::try_new(ints.as_ref(), Path::new("t"), "c").is_err());
    }

    #[test]
    fn list_of_strings_skips_null_items_and_reports_null_lists() {
        let mut b = ListBuilder::new(StringBuilder::new());
        b.values().append_value("tone");
        b.values().append_null();
        b.values().append_value("vni");
        b.append(true);
        b.append(false); // null list
        b.append(true); // empty list
        let list: ArrayRef = Arc::new(b.finish());
        assert!(is_string_list_type(list.data_type()));
        let col = StringListColumn::from_array(list.as_ref()).expect("list of strings");
        assert_eq!(col.len(), 3);
        assert_eq!(col.get(0).unwrap().collect::<Vec<_>>(), ["tone", "vni"]);
        assert!(col.get(1).is_none());
        assert_eq!(col.get(2).unwrap().count(), 0);

        let mut b = LargeListBuilder::new(StringBuilder::new());
        b.values().append_value("x");
        b.append(true);
        let large: ArrayRef = Arc::new(b.finish());
        let col = StringListColumn::from_array(large.as_ref()).expect("large list");
        assert_eq!(col.get(0).unwrap().collect::<Vec<_>>(), ["x"]);

        let ints = DataType::List(Arc::new(Field::new("item", DataType::Int32, true)));
        assert!(!is_string_list_type(&ints));
    }
}
