//! Reading the data bound: MAX over every consumer column (MIN for a descending sequence).
//!
//! One query per sequence. Each consumer is read without ONLY, so a partitioned or inherited
//! table's whole hierarchy counts. `max(col)` on an indexed column is answered from the index.
//! Integer and numeric columns are both reduced to a whole number on the safe side (ceil for an
//! ascending sequence, floor for a descending one).

use crate::catalog::Consumer;
use pgrx::spi;
use pgrx::spi::SpiClient;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    /// The direction of a sequence with this INCREMENT.
    pub fn of_increment(increment: i64) -> Direction {
        if increment > 0 {
            Direction::Ascending
        } else {
            Direction::Descending
        }
    }
}

/// Why a bound could not be read as a bigint.
#[derive(Debug)]
pub enum BoundError {
    Spi(spi::Error),
    /// The data holds a value no bigint sequence can follow, e.g. numeric 1e30 or NaN.
    OutOfRange(String),
}

impl From<spi::Error> for BoundError {
    fn from(error: spi::Error) -> Self {
        BoundError::Spi(error)
    }
}

/// The SQL that computes the bound over `consumers` as text (NULL when they are all empty).
pub fn sql(consumers: &[&Consumer], direction: Direction) -> String {
    let (aggregate, rounding) = match direction {
        Direction::Ascending => ("pg_catalog.max", "pg_catalog.ceil"),
        Direction::Descending => ("pg_catalog.min", "pg_catalog.floor"),
    };
    // Identifiers were quoted by the server (format('%I')) in the catalog query.
    let per_consumer: Vec<String> = consumers
        .iter()
        .map(|c| {
            format!(
                "SELECT {aggregate}({column})::pg_catalog.numeric AS v FROM {table}",
                column = c.column_sql,
                table = c.table_sql
            )
        })
        .collect();
    format!(
        "SELECT {rounding}({aggregate}(b.v))::pg_catalog.text FROM ({}) AS b",
        per_consumer.join(" UNION ALL ")
    )
}

/// Parses the text `sql` produced into a bigint bound.
pub fn parse(text: Option<String>) -> Result<Option<i64>, BoundError> {
    match text {
        None => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| BoundError::OutOfRange(text)),
    }
}

/// The bound over `consumers`, or `None` when they hold no non-NULL value.
pub fn read(
    client: &SpiClient<'_>,
    consumers: &[&Consumer],
    direction: Direction,
) -> Result<Option<i64>, BoundError> {
    let query = sql(consumers, direction);
    let text: Option<String> = client
        .select(query.as_str(), Some(1), &[])?
        .first()
        .get(1)?;
    parse(text)
}

impl BoundError {
    pub fn describe(&self, consumers: &[&Consumer]) -> String {
        match self {
            BoundError::OutOfRange(value) => {
                let names: Vec<&str> = consumers.iter().map(|c| c.display.as_str()).collect();
                format!(
                    "the data in {} holds {value}, which no bigint sequence can follow",
                    names.join(", ")
                )
            }
            BoundError::Spi(error) => error.to_string(),
        }
    }
}
