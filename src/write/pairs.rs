//! `pairs.parquet`: every scored pair kept, with its comparison levels and
//! weights.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;

use crate::config::Mode;
use crate::error::Result;
use crate::output::AtomicFile;
use crate::score::compare::{level, Comparison};
use crate::score::model::probability;
use crate::score::scorer::{ScoredPair, Scorer};
use crate::store::RecordStore;
use crate::write::parquet::ParquetOut;

pub(crate) fn write_pairs(
    out: &Path,
    store: &RecordStore,
    cmps: &[Comparison],
    scorer: &Scorer<'_>,
    rules: &[crate::config::Rule],
    pairs: &[ScoredPair],
    mode: Mode,
) -> Result<AtomicFile> {
    let mut fields = vec![
        ArrowField::new("left_id", DataType::Utf8, false),
        ArrowField::new("right_id", DataType::Utf8, false),
    ];
    if mode == Mode::Link {
        fields.push(ArrowField::new("left_source", DataType::Utf8, false));
        fields.push(ArrowField::new("right_source", DataType::Utf8, false));
    }
    fields.push(ArrowField::new("match_weight", DataType::Float64, false));
    fields.push(ArrowField::new(
        "match_probability",
        DataType::Float64,
        false,
    ));
    fields.push(ArrowField::new("blocking_rule", DataType::Utf8, false));
    for c in cmps {
        fields.push(ArrowField::new(
            format!("{}_level", c.name),
            DataType::Utf8,
            false,
        ));
        fields.push(ArrowField::new(
            format!("{}_weight", c.name),
            DataType::Float64,
            false,
        ));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut w = ParquetOut::create(&out.join("pairs.parquet"), schema.clone())?;
    for chunk in pairs.chunks(256 * 1024) {
        let mut left = StringBuilder::new();
        let mut right = StringBuilder::new();
        let mut ls = StringBuilder::new();
        let mut rs = StringBuilder::new();
        let mut weight = Float64Builder::new();
        let mut prob = Float64Builder::new();
        let mut rule = StringBuilder::new();
        let mut lv: Vec<StringBuilder> = cmps.iter().map(|_| StringBuilder::new()).collect();
        let mut wt: Vec<Float64Builder> = cmps.iter().map(|_| Float64Builder::new()).collect();
        for p in chunk {
            left.append_value(store.record_id(p.a));
            right.append_value(store.record_id(p.b));
            ls.append_value(store.source_name(p.a));
            rs.append_value(store.source_name(p.b));
            weight.append_value(p.weight);
            prob.append_value(probability(p.weight));
            rule.append_value(&rules[p.rule as usize].name);
            let weights = scorer.weights(p.pattern, p.a, p.b);
            for (i, c) in cmps.iter().enumerate() {
                let l = level(p.pattern, i);
                lv[i].append_value(c.levels[l as usize]);
                wt[i].append_value(weights[i]);
            }
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(left.finish()), Arc::new(right.finish())];
        if mode == Mode::Link {
            cols.push(Arc::new(ls.finish()));
            cols.push(Arc::new(rs.finish()));
        }
        cols.push(Arc::new(weight.finish()));
        cols.push(Arc::new(prob.finish()));
        cols.push(Arc::new(rule.finish()));
        for (mut l, mut x) in lv.into_iter().zip(wt) {
            cols.push(Arc::new(l.finish()));
            cols.push(Arc::new(x.finish()));
        }
        let batch = RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema");
        w.write(&batch)?;
    }
    w.finish()
}
