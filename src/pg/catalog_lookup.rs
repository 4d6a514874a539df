//! Catalog rows by OID through the system caches, and the privilege checks discovery needs:
//! what the SQL functions `format()`, `format_type()`, `has_*_privilege()`,
//! `row_security_active()` and `pg_is_other_temp_schema()` compute, without running SQL.
//!
//! Each lookup sees the catalog as committed now, with this transaction's own changes (the
//! system caches follow invalidations); a row that is gone answers `None`. Nothing here is
//! locked, so an object may be dropped by another session between two lookups: each privilege
//! check first makes sure its object still exists, as the SQL `has_*_privilege` functions do,
//! since PostgreSQL's ACL checks raise an ERROR for a missing one.

use super::encoding;
use super::syscache::CacheEntry;
use pgrx::pg_sys;
use std::collections::HashMap;
use std::ffi::{CStr, CString};

/// What discovery needs of a `pg_class` row.
#[derive(Debug, Clone)]
pub struct ClassRow {
    pub kind: u8,
    pub owner: pg_sys::Oid,
    pub namespace: pg_sys::Oid,
    pub name: String,
    /// The name as stored (in the database's encoding), for sorting as `name` sorts.
    pub raw_name: Vec<u8>,
    pub has_subclass: bool,
}

impl ClassRow {
    pub fn of(row: &pg_sys::FormData_pg_class) -> ClassRow {
        ClassRow {
            kind: row.relkind as u8,
            owner: row.relowner,
            namespace: row.relnamespace,
            name: name_text(&row.relname),
            raw_name: name_bytes(&row.relname).to_bytes().to_vec(),
            has_subclass: row.relhassubclass,
        }
    }
}

/// The `pg_class` row of `relation`.
pub fn class(relation: pg_sys::Oid) -> Option<ClassRow> {
    let entry = CacheEntry::search(pg_sys::SysCacheIdentifier::RELOID, relation)?;
    // SAFETY: the RELOID cache holds pg_class rows.
    Some(ClassRow::of(unsafe {
        entry.form::<pg_sys::FormData_pg_class>()
    }))
}

/// What discovery needs of a `pg_attribute` row.
#[derive(Debug, Clone)]
pub struct ColumnRow {
    pub name: String,
    /// The name as stored (in the database's encoding), to find the same column elsewhere.
    pub raw_name: CString,
    pub type_oid: pg_sys::Oid,
    pub typmod: i32,
}

impl ColumnRow {
    fn of(row: &pg_sys::FormData_pg_attribute) -> ColumnRow {
        ColumnRow {
            name: name_text(&row.attname),
            raw_name: CString::from(name_bytes(&row.attname)),
            type_oid: row.atttypid,
            typmod: row.atttypmod,
        }
    }
}

/// Column `attnum` of `relation`, unless it is dropped.
pub fn column(relation: pg_sys::Oid, attnum: i16) -> Option<ColumnRow> {
    // SAFETY: a syscache lookup by (relation, attnum); released below.
    let tuple = unsafe {
        pg_sys::SearchSysCache2(
            pg_sys::SysCacheIdentifier::ATTNUM as _,
            pg_sys::Datum::from(relation),
            pg_sys::Datum::from(attnum),
        )
    };
    if tuple.is_null() {
        return None;
    }
    // SAFETY: the ATTNUM cache holds pg_attribute rows; the tuple is released once read.
    unsafe {
        let row = &*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_attribute>(tuple);
        let found = (!row.attisdropped).then(|| ColumnRow::of(row));
        pg_sys::ReleaseSysCache(tuple);
        found
    }
}

/// The number of `relation`'s column named `name` (as stored), unless it is dropped.
pub fn attnum_by_name(relation: pg_sys::Oid, name: &CStr) -> Option<i16> {
    // SAFETY: a syscache lookup by (relation, name); dropped columns are not found.
    let attnum = unsafe { pg_sys::get_attnum(relation, name.as_ptr()) };
    (attnum != pg_sys::InvalidAttrNumber as i16).then_some(attnum)
}

/// `FormData_pg_sequence` (catalog/pg_sequence.h), the same on every supported major.
#[repr(C)]
pub struct SequenceRow {
    pub seqrelid: pg_sys::Oid,
    pub seqtypid: pg_sys::Oid,
    pub seqstart: i64,
    pub seqincrement: i64,
    pub seqmax: i64,
    pub seqmin: i64,
    pub seqcache: i64,
    pub seqcycle: bool,
}

/// What discovery needs of a `pg_sequence` row.
#[derive(Debug, Clone, Copy)]
pub struct SequenceOptions {
    pub increment: i64,
    pub cycle: bool,
}

/// The `pg_sequence` row of `sequence`.
pub fn sequence_options(sequence: pg_sys::Oid) -> Option<SequenceOptions> {
    let entry = CacheEntry::search(pg_sys::SysCacheIdentifier::SEQRELID, sequence)?;
    // SAFETY: the SEQRELID cache holds pg_sequence rows.
    let row = unsafe { entry.form::<SequenceRow>() };
    Some(SequenceOptions {
        increment: row.seqincrement,
        cycle: row.seqcycle,
    })
}

/// The type of `sequence` (`pg_sequence.seqtypid`): bigint, integer or smallint.
pub fn sequence_type(sequence: pg_sys::Oid) -> Option<pg_sys::Oid> {
    let entry = CacheEntry::search(pg_sys::SysCacheIdentifier::SEQRELID, sequence)?;
    // SAFETY: the SEQRELID cache holds pg_sequence rows.
    let row = unsafe { entry.form::<SequenceRow>() };
    Some(row.seqtypid)
}

/// A schema's name.
pub fn namespace_name(namespace: pg_sys::Oid) -> Option<String> {
    namespace_raw_name(namespace).map(|name| encoding::c_to_utf8(&name))
}

/// A schema's name as stored (in the database's encoding).
pub fn namespace_raw_name(namespace: pg_sys::Oid) -> Option<CString> {
    // SAFETY: a syscache lookup; the result is palloc'd (or NULL for a schema that is gone).
    let name = unsafe { pg_sys::get_namespace_name(namespace) };
    if name.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from the line above, copied and then freed.
    unsafe {
        let copy = CStr::from_ptr(name).to_owned();
        pg_sys::pfree(name.cast());
        Some(copy)
    }
}

/// Whether `namespace` is another session's temporary schema (`pg_is_other_temp_schema`).
pub fn is_other_temp_namespace(namespace: pg_sys::Oid) -> bool {
    // SAFETY: reads this backend's temporary-namespace state.
    unsafe { pg_sys::isOtherTempNamespace(namespace) }
}

/// `name` quoted as an SQL identifier where needed (`format('%I')`).
pub fn quote(name: &str) -> String {
    let Ok(text) = CString::new(name) else {
        return name.to_string();
    };
    // SAFETY: quote_identifier reads a NUL-terminated string and returns one (perhaps the same).
    // It adds and doubles ASCII quotes only, so UTF-8 in is UTF-8 out.
    let quoted = unsafe { CStr::from_ptr(pg_sys::quote_identifier(text.as_ptr())) };
    String::from_utf8_lossy(quoted.to_bytes()).into_owned()
}

/// A type's SQL name with its modifier (`format_type(type, typmod)`: `???` for a type gone).
pub fn type_name(type_oid: pg_sys::Oid, typmod: i32) -> String {
    let flags = pg_sys::FORMAT_TYPE_TYPEMOD_GIVEN | pg_sys::FORMAT_TYPE_ALLOW_INVALID;
    // SAFETY: format_type_extended with ALLOW_INVALID answers for any OID; palloc'd text.
    let name = unsafe { pg_sys::format_type_extended(type_oid, typmod, flags as _) };
    // SAFETY: a NUL-terminated string from the line above.
    encoding::c_to_utf8(unsafe { CStr::from_ptr(name) })
}

/// Whether `role` holds any of the privileges in `mode` on relation `relation`; `false` for a
/// relation that is gone.
pub fn role_has_any(role: pg_sys::Oid, relation: pg_sys::Oid, mode: u32) -> bool {
    if !class_exists(relation) {
        return false;
    }
    // SAFETY: an ACL check on a relation that exists (probed just above, with no catalog
    // access in between that could process invalidations).
    unsafe {
        pg_sys::pg_class_aclcheck(relation, role, mode as _) == pg_sys::AclResult::ACLCHECK_OK
    }
}

/// Whether the current role may SELECT column `attnum` of `relation`, on the table or on the
/// column (`has_column_privilege(relation, attnum, 'SELECT')`).
pub fn may_select_column(relation: pg_sys::Oid, attnum: i16) -> bool {
    // SAFETY: reads the current role's OID.
    role_may_select_column(unsafe { pg_sys::GetUserId() }, relation, attnum)
}

/// Whether `role` may SELECT column `attnum` of `relation`, on the table or on the column.
pub fn role_may_select_column(role: pg_sys::Oid, relation: pg_sys::Oid, attnum: i16) -> bool {
    role_has_any(role, relation, pg_sys::ACL_SELECT)
        || (column(relation, attnum).is_some()
            // SAFETY: an ACL check on a live column (probed just above, with no catalog access
            // in between that could process invalidations).
            && unsafe {
                pg_sys::pg_attribute_aclcheck(relation, attnum, role, pg_sys::ACL_SELECT as _)
                    == pg_sys::AclResult::ACLCHECK_OK
            })
}

/// Whether `role` may both SELECT and INSERT column `attnum` of `relation`, each on the table or
/// on the column (`has_column_privilege(role, relation, attnum, 'SELECT')` and `'INSERT'`).
pub fn role_may_read_and_insert(role: pg_sys::Oid, relation: pg_sys::Oid, attnum: i16) -> bool {
    // A column that is gone has no privileges (as has_column_privilege answers from 16 on).
    if column(relation, attnum).is_none() {
        return false;
    }
    [pg_sys::ACL_SELECT, pg_sys::ACL_INSERT]
        .into_iter()
        .all(|mode| {
            role_has_any(role, relation, mode)
                || (column(relation, attnum).is_some()
                // SAFETY: an ACL check on a live column (probed just above, with no catalog
                // access in between that could process invalidations).
                && unsafe {
                    pg_sys::pg_attribute_aclcheck(relation, attnum, role, mode as _)
                        == pg_sys::AclResult::ACLCHECK_OK
                })
        })
}

/// `pg_rewrite.ev_action`'s column number (catalog/pg_rewrite.h, the same from 13 to 18; pgrx
/// has no constant for it).
const ANUM_PG_REWRITE_EV_ACTION: i16 = 8;

/// The stored query tree of view `view` (its `_RETURN` rule's `ev_action`, as `nodeToString`
/// wrote it), `None` for a relation without one.
pub fn view_query_text(view: pg_sys::Oid) -> Option<CString> {
    let cache = pg_sys::SysCacheIdentifier::RULERELNAME;
    // SAFETY: a syscache lookup by (ev_class, rulename); released below.
    let tuple = unsafe {
        pg_sys::SearchSysCache2(
            cache as _,
            pg_sys::Datum::from(view),
            pg_sys::Datum::from(c"_RETURN".as_ptr()),
        )
    };
    if tuple.is_null() {
        return None;
    }
    // SAFETY: ev_action is pg_rewrite's pg_node_tree (text) column; text_to_cstring returns a
    // palloc'd copy, copied again and freed; the tuple is released once read.
    unsafe {
        let mut is_null = false;
        let datum =
            pg_sys::SysCacheGetAttr(cache as _, tuple, ANUM_PG_REWRITE_EV_ACTION, &mut is_null);
        let text = (!is_null).then(|| {
            let copy = pg_sys::text_to_cstring(datum.cast_mut_ptr());
            let text = CStr::from_ptr(copy).to_owned();
            pg_sys::pfree(copy.cast());
            text
        });
        pg_sys::ReleaseSysCache(tuple);
        text
    }
}

/// Whether view `view` has the `security_barrier` option on.
pub fn is_security_barrier(view: pg_sys::Oid) -> bool {
    let cache = pg_sys::SysCacheIdentifier::RELOID;
    let Some(entry) = CacheEntry::search(cache, view) else {
        return false;
    };
    // SAFETY: reloptions is pg_class's text[] column; untransformRelOptions turns it into a
    // list of DefElems with String arguments (as the server stored them, validated when set),
    // read only here.
    unsafe {
        let Some(options) = entry.datum(cache, pg_sys::Anum_pg_class_reloptions as i16) else {
            return false;
        };
        let list =
            pgrx::list::PgList::<pg_sys::DefElem>::from_pg(pg_sys::untransformRelOptions(options));
        let barrier = list.iter_ptr().any(|option| {
            let mut on = false;
            CStr::from_ptr((*option).defname) == c"security_barrier"
                && pg_sys::parse_bool(pg_sys::defGetString(option), &mut on)
                && on
        });
        barrier
    }
}

/// Whether `relation` has a `pg_class` row.
fn class_exists(relation: pg_sys::Oid) -> bool {
    CacheEntry::search(pg_sys::SysCacheIdentifier::RELOID, relation).is_some()
}

/// Whether row-level security applies to the current role's reads of `relation`
/// (`row_security_active`).
pub fn row_security_active(relation: pg_sys::Oid) -> bool {
    // SAFETY: check_enable_rls reads the catalog; with noError it does not raise.
    let status = unsafe { pg_sys::check_enable_rls(relation, pg_sys::Oid::INVALID, true) };
    status == pg_sys::CheckEnableRlsResult::RLS_ENABLED as std::ffi::c_int
}

fn name_bytes(name: &pg_sys::NameData) -> &CStr {
    // SAFETY: a NameData is a NUL-terminated string of at most NAMEDATALEN bytes.
    unsafe { CStr::from_ptr(name.data.as_ptr()) }
}

fn name_text(name: &pg_sys::NameData) -> String {
    encoding::c_to_utf8(name_bytes(name))
}

/// The `pg_class` and `pg_attribute` rows discovery asks for, each looked up in the system
/// caches once however often it is asked for, and each table's quoted name made once.
#[derive(Default)]
pub struct ColumnRows {
    classes: HashMap<pg_sys::Oid, Option<ClassRow>>,
    columns: HashMap<(pg_sys::Oid, i16), Option<ColumnRow>>,
    schemas: HashMap<pg_sys::Oid, Option<String>>,
    tables: HashMap<pg_sys::Oid, Option<String>>,
}

impl ColumnRows {
    pub fn class(&mut self, relation: pg_sys::Oid) -> Option<&ClassRow> {
        self.classes
            .entry(relation)
            .or_insert_with(|| class(relation))
            .as_ref()
    }

    pub fn column(&mut self, relation: pg_sys::Oid, attnum: i16) -> Option<&ColumnRow> {
        self.columns
            .entry((relation, attnum))
            .or_insert_with(|| column(relation, attnum))
            .as_ref()
    }

    /// `schema.table`, quoted as needed.
    pub fn table_sql(&mut self, relation: pg_sys::Oid) -> Option<String> {
        if let Some(known) = self.tables.get(&relation) {
            return known.clone();
        }
        let quoted = self.class(relation).map(|c| (c.namespace, quote(&c.name)));
        let sql = quoted.and_then(|(namespace, table)| {
            let schema = self
                .schemas
                .entry(namespace)
                .or_insert_with(|| namespace_name(namespace).map(|name| quote(&name)))
                .as_ref()?;
            Some(format!("{schema}.{table}"))
        });
        self.tables.insert(relation, sql.clone());
        sql
    }

    /// `schema.table.column`, quoted as needed (empty for a relation or column gone).
    pub fn column_display(&mut self, relation: pg_sys::Oid, attnum: i16) -> String {
        let column = self.column(relation, attnum).map(|c| quote(&c.name));
        match (self.table_sql(relation), column) {
            (Some(table), Some(column)) => format!("{table}.{column}"),
            _ => String::new(),
        }
    }
}
