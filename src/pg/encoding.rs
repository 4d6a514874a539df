//! Text between the database's encoding and Rust's UTF-8.
//!
//! Rust strings are UTF-8; a database may store names in LATIN1, EUC_JP or another server
//! encoding. Every name read from the server becomes a Rust string through `to_utf8`, and every
//! string handed back (a report's text, an SQL argument, a WARNING) goes through `to_server`:
//! both exact, as every server encoding maps into Unicode. pgrx's own `String` conversions
//! assume UTF-8 (and fail on a non-ASCII byte in other encodings), so text crossing the SQL
//! boundary is a `ServerText`.

use pgrx::datum::UnboxDatum;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{FromDatum, IntoDatum};
use std::ffi::{c_char, c_int, CStr};

/// Whether the database's bytes are Rust's: UTF-8, or SQL_ASCII (bytes without an encoding,
/// taken as they are).
fn database_is_utf8() -> bool {
    // SAFETY: reads the backend's database encoding.
    let encoding = unsafe { pg_sys::GetDatabaseEncoding() };
    encoding == pg_sys::pg_enc::PG_UTF8 as c_int
        || encoding == pg_sys::pg_enc::PG_SQL_ASCII as c_int
}

/// `bytes` in the database's encoding as a Rust string.
pub fn to_utf8(bytes: &[u8]) -> String {
    if database_is_utf8() || bytes.is_ascii() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    // SAFETY: pg_server_to_any reads `len` bytes (valid in the server encoding: they come from
    // it) and returns either them or a palloc'd NUL-terminated conversion, freed once copied.
    unsafe {
        let converted = pg_sys::pg_server_to_any(
            bytes.as_ptr().cast::<c_char>(),
            bytes.len() as c_int,
            pg_sys::pg_enc::PG_UTF8 as c_int,
        );
        if converted.cast_const().cast::<u8>() == bytes.as_ptr() {
            return String::from_utf8_lossy(bytes).into_owned();
        }
        let text = String::from_utf8_lossy(CStr::from_ptr(converted).to_bytes()).into_owned();
        pg_sys::pfree(converted.cast());
        text
    }
}

/// A NUL-terminated name from the server as a Rust string.
pub fn c_to_utf8(name: &CStr) -> String {
    to_utf8(name.to_bytes())
}

/// `text` in the database's encoding. Every character of a string made from the server's
/// names has an equivalent; one typed by a user that has none is PostgreSQL's own error
/// (22P05, "character ... has no equivalent in encoding ...").
pub fn to_server(text: &str) -> Vec<u8> {
    if database_is_utf8() || text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    // A replacement character stands for bytes pgrx could not read as UTF-8 (the text of an
    // error it caught): they are lost, and most encodings have no equivalent for it.
    let replaced;
    let text = if text.contains('\u{FFFD}') {
        replaced = text.replace('\u{FFFD}', "?");
        replaced.as_str()
    } else {
        text
    };
    // SAFETY: pg_any_to_server reads `len` bytes of UTF-8 and returns them or a palloc'd
    // NUL-terminated conversion, freed once copied; it raises an error for a character the
    // server encoding lacks.
    unsafe {
        let converted = pg_sys::pg_any_to_server(
            text.as_ptr().cast::<c_char>(),
            text.len() as c_int,
            pg_sys::pg_enc::PG_UTF8 as c_int,
        );
        if converted.cast_const().cast::<u8>() == text.as_ptr() {
            return text.as_bytes().to_vec();
        }
        let bytes = CStr::from_ptr(converted).to_bytes().to_vec();
        pg_sys::pfree(converted.cast());
        bytes
    }
}

/// `text` for an ERROR raised through pgrx, which passes its text on as UTF-8 bytes whatever
/// the database's encoding (and reads a caught error's text as UTF-8): in a database that is
/// not UTF-8 each non-ASCII character is written as its Unicode escape (`\00E9` for `é`, as in
/// PostgreSQL's `U&"..."` syntax), exact and readable in any client encoding.
pub fn for_error(text: &str) -> String {
    if database_is_utf8() || text.is_ascii() {
        return text.to_owned();
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match u32::from(c) {
            code if code < 0x80 => escaped.push(c),
            code if code <= 0xFFFF => escaped.push_str(&format!("\\{code:04X}")),
            code => escaped.push_str(&format!("\\+{code:06X}")),
        }
    }
    escaped
}

/// The text of an error pgrx caught, for a report or a WARNING. pgrx read the server's bytes as
/// UTF-8; in a database that is not UTF-8 what it made of a non-ASCII byte is not the character
/// meant (and may have no equivalent in the database's encoding), so it becomes `?`.
pub fn from_caught(text: &str) -> String {
    if database_is_utf8() || text.is_ascii() {
        return text.to_owned();
    }
    text.chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect()
}

/// An SQL statement made by the server (identifiers quoted by `format('%I')` or `regclass`),
/// read as UTF-8, made ASCII for SPI: pgrx hands a statement's UTF-8 bytes to the parser as
/// they are, so in a database that is not UTF-8 each quoted identifier with a non-ASCII
/// character becomes a Unicode-escaped identifier (`U&"\00E9t\00E9"`), which the parser turns
/// back into the name in the database's encoding. String literals pass unchanged.
pub fn ascii_sql(statement: &str) -> String {
    if database_is_utf8() || statement.is_ascii() {
        return statement.to_owned();
    }
    let mut out = String::with_capacity(statement.len() + 16);
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    // A doubled quote inside a literal closes and reopens it: the same text.
                    if inner == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                let mut body = String::new();
                while let Some(inner) = chars.next() {
                    if inner == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            body.push_str("\"\"");
                            continue;
                        }
                        break;
                    }
                    body.push(inner);
                }
                if body.is_ascii() {
                    out.push('"');
                    out.push_str(&body);
                } else {
                    out.push_str("U&\"");
                    for inner in body.chars() {
                        match u32::from(inner) {
                            0x5C => out.push_str("\\\\"),
                            code if code < 0x80 => out.push(inner),
                            code if code <= 0xFFFF => out.push_str(&format!("\\{code:04X}")),
                            code => out.push_str(&format!("\\+{code:06X}")),
                        }
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// SQL `text` in and out of a function, converted from and to the database's encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerText(pub String);

impl From<String> for ServerText {
    fn from(text: String) -> Self {
        ServerText(text)
    }
}

impl FromDatum for ServerText {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null || datum.is_null() {
            return None;
        }
        // SAFETY: a text datum (the SQL signature says so), detoasted into a palloc'd copy
        // that is read and freed.
        unsafe { Some(ServerText(text_datum_to_utf8(datum))) }
    }
}

/// The text of a `text` datum, detoasted and converted.
unsafe fn text_datum_to_utf8(datum: pg_sys::Datum) -> String {
    // SAFETY: the caller's text datum; text_to_cstring returns a palloc'd copy.
    unsafe {
        let copy = pg_sys::text_to_cstring(datum.cast_mut_ptr());
        let text = c_to_utf8(CStr::from_ptr(copy));
        pg_sys::pfree(copy.cast());
        text
    }
}

// SAFETY: unboxes the elements of a text array, each a text datum.
unsafe impl UnboxDatum for ServerText {
    type As<'src> = ServerText;
    unsafe fn unbox<'src>(datum: pgrx::datum::Datum<'src>) -> ServerText
    where
        Self: 'src,
    {
        // SAFETY: an element of a text array.
        unsafe { ServerText(text_datum_to_utf8(datum.sans_lifetime())) }
    }
}

impl IntoDatum for ServerText {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        let bytes = to_server(&self.0);
        // SAFETY: cstring_to_text_with_len copies `len` bytes into a palloc'd text.
        let text = unsafe {
            pg_sys::cstring_to_text_with_len(bytes.as_ptr().cast(), bytes.len() as c_int)
        };
        Some(pg_sys::Datum::from(text))
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::TEXTOID
    }
}

// SAFETY: the SQL type named is the one FromDatum and IntoDatum read and make.
unsafe impl SqlTranslatable for ServerText {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(ServerText);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("text"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("text")));
}

// pgrx binds none of these (it raises its own reports through them).
extern "C-unwind" {
    fn errstart(elevel: c_int, domain: *const c_char) -> bool;
    fn errfinish(filename: *const c_char, lineno: c_int, funcname: *const c_char);
    fn errhint(fmt: *const c_char, ...) -> c_int;
}

/// Raises a WARNING whose text is converted to the database's encoding (pgrx's `warning!`
/// hands over UTF-8 bytes as they are). A WARNING returns: nothing is unwound.
pub fn warning(message: &str) {
    warning_with(message, None, None);
}

/// `warning` with a DETAIL and a HINT.
pub fn warning_with(message: &str, detail: Option<&str>, hint: Option<&str>) {
    let message = c_text(message);
    let detail = detail.map(c_text);
    let hint = hint.map(c_text);
    // SAFETY: errstart ... errfinish for a WARNING, which returns; every text is NUL-terminated
    // and passed through "%s". An error while sending it (say, a character the client's
    // encoding lacks) is caught by the guard and raised as a Rust panic, as for any call.
    unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            if errstart(pg_sys::WARNING as c_int, std::ptr::null()) {
                pg_sys::errmsg_internal(c"%s".as_ptr(), message.as_ptr());
                if let Some(detail) = &detail {
                    pg_sys::errdetail_internal(c"%s".as_ptr(), detail.as_ptr());
                }
                if let Some(hint) = &hint {
                    errhint(c"%s".as_ptr(), hint.as_ptr());
                }
                errfinish(c"pg_seqsync".as_ptr(), 0, c"warning".as_ptr());
            }
        })
    }
}

/// `text` in the database's encoding, NUL-terminated (an inner NUL ends nothing: dropped).
fn c_text(text: &str) -> std::ffi::CString {
    let mut bytes = to_server(text);
    bytes.retain(|&b| b != 0);
    std::ffi::CString::new(bytes).expect("NUL bytes were removed")
}

/// SQL `jsonb` in and out of a function, its text converted from and to the database's
/// encoding (pgrx's `JsonB` reads it as UTF-8 and writes UTF-8 bytes as they are).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerJsonb(pub serde_json::Value);

impl FromDatum for ServerJsonb {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null || datum.is_null() {
            return None;
        }
        // SAFETY: a jsonb datum (the SQL signature says so); jsonb_out detoasts it and returns
        // a palloc'd C string, read and freed here.
        let text = unsafe {
            let out =
                pgrx::fcinfo::direct_function_call_as_datum(pg_sys::jsonb_out, &[Some(datum)])
                    .expect("jsonb_out never returns NULL")
                    .cast_mut_ptr::<c_char>();
            let text = c_to_utf8(CStr::from_ptr(out));
            pg_sys::pfree(out.cast());
            text
        };
        serde_json::from_str(&text).ok().map(ServerJsonb)
    }
}

impl IntoDatum for ServerJsonb {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        let text = c_text(&self.0.to_string());
        // SAFETY: jsonb_in parses a NUL-terminated C string in the database's encoding.
        unsafe {
            pgrx::fcinfo::direct_function_call_as_datum(
                pg_sys::jsonb_in,
                &[Some(pg_sys::Datum::from(text.as_ptr()))],
            )
        }
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::JSONBOID
    }
}

// SAFETY: the SQL type named is the one FromDatum and IntoDatum read and make.
unsafe impl SqlTranslatable for ServerJsonb {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(ServerJsonb);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}

/// How pgrx passes both types in and out of a function: through `FromDatum` and `IntoDatum`,
/// as it does its own `String` and `JsonB`.
macro_rules! through_datum {
    ($($ty:ty),*) => {$(
        // SAFETY: the argument is unboxed by FromDatum from a datum of the SQL type declared.
        unsafe impl<'fcx> pgrx::callconv::ArgAbi<'fcx> for $ty {
            unsafe fn unbox_arg_unchecked(arg: pgrx::callconv::Arg<'_, 'fcx>) -> Self {
                let index = arg.index();
                // SAFETY: as above.
                unsafe { arg.unbox_arg_using_from_datum() }
                    .unwrap_or_else(|| panic!("argument {index} must not be null"))
            }

            unsafe fn unbox_nullable_arg(
                arg: pgrx::callconv::Arg<'_, 'fcx>,
            ) -> pgrx::nullable::Nullable<Self> {
                // SAFETY: as above.
                unsafe { arg.unbox_arg_using_from_datum() }.into()
            }
        }

        // SAFETY: the result is boxed by IntoDatum into a datum of the SQL type declared.
        unsafe impl pgrx::callconv::BoxRet for $ty {
            unsafe fn box_into<'fcx>(
                self,
                fcinfo: &mut pgrx::callconv::FcInfo<'fcx>,
            ) -> pgrx::datum::Datum<'fcx> {
                match self.into_datum() {
                    // SAFETY: the datum is the function's result.
                    Some(datum) => unsafe { fcinfo.return_raw_datum(datum) },
                    None => fcinfo.return_null(),
                }
            }
        }
    )*};
}

through_datum!(ServerText, ServerJsonb);
