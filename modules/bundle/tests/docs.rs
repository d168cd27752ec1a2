//! The code in `docs/` cannot drift from the code that is built and tested.
//!
//! Every Rust block in the docs is an excerpt of a source file this workspace compiles (a
//! module this crate builds, the SDK, the pallet's tests), named by the comment line before the
//! block: `<!-- excerpt: modules/balance/src/lib.rs -->`. Blocks of other languages may carry
//! one too. A line `// ...` in a block stands for source left out; each run of lines between
//! such lines must appear in the file as consecutive lines, in the block's order, compared
//! without their indentation (an excerpt is usually indented less than its source). So a doc
//! shows real code, and a change to that code that the doc does not follow fails this test.

use std::{
	fs,
	path::{Path, PathBuf},
};

/// The comment that names a block's source.
const MARKER: (&str, &str) = ("<!-- excerpt: ", " -->");
/// A line of an excerpt that stands for source left out.
const ELISION: &str = "// ...";

fn repository() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fenced block of a doc: where it starts, its language and lines, and the source it names.
struct Block {
	doc: String,
	line: usize,
	language: String,
	lines: Vec<String>,
	source: Option<String>,
}

fn blocks_of(doc: &str, text: &str) -> Vec<Block> {
	let lines: Vec<&str> = text.lines().collect();
	let mut blocks = Vec::new();
	let mut i = 0;
	while i < lines.len() {
		let Some(language) = lines[i].strip_prefix("```").filter(|l| !l.is_empty()) else {
			i += 1;
			continue;
		};
		let end = (i + 1..lines.len()).find(|&j| lines[j].trim_start().starts_with("```"));
		let end = end.unwrap_or_else(|| panic!("{doc}:{}: a block that never ends", i + 1));
		let source = i
			.checked_sub(1)
			.and_then(|before| lines[before].strip_prefix(MARKER.0))
			.and_then(|rest| rest.strip_suffix(MARKER.1))
			.map(str::to_owned);
		blocks.push(Block {
			doc: doc.to_owned(),
			line: i + 1,
			language: language.to_owned(),
			lines: lines[i + 1..end].iter().map(|l| l.to_string()).collect(),
			source,
		});
		i = end + 1;
	}
	blocks
}

/// The runs of lines between elisions, trimmed, without blank lines at either end.
fn runs(lines: &[String]) -> Vec<Vec<&str>> {
	let mut runs = vec![Vec::new()];
	for line in lines.iter().map(|l| l.trim()) {
		if line.starts_with(ELISION) {
			runs.push(Vec::new());
		} else if let Some(run) = runs.last_mut() {
			run.push(line);
		}
	}
	runs.into_iter()
		.map(|run| {
			let start = run.iter().position(|l| !l.is_empty()).unwrap_or(run.len());
			let end = run.iter().rposition(|l| !l.is_empty()).map_or(start, |e| e + 1);
			run[start..end].to_vec()
		})
		.filter(|run| !run.is_empty())
		.collect()
}

/// The first run of `excerpt` that is not found in `source` after the runs before it.
fn first_missing<'a>(source: &[&str], excerpt: &[Vec<&'a str>]) -> Option<Vec<&'a str>> {
	let mut from = 0;
	for run in excerpt {
		let found = (from..=source.len().saturating_sub(run.len()))
			.find(|&at| source.get(at..at + run.len()) == Some(&run[..]));
		match found {
			Some(at) => from = at + run.len(),
			None => return Some(run.clone()),
		}
	}
	None
}

/// `rust`, and `rust,ignore` or the like: no attribute lets a Rust block skip the check.
fn is_rust(block: &Block) -> bool {
	block.language.split(',').next() == Some("rust")
}

/// What is wrong with `block`, if anything.
fn check(block: &Block) -> Option<String> {
	let at = format!("{}:{}", block.doc, block.line);
	let Some(path) = &block.source else {
		return is_rust(block)
			.then(|| format!("{at}: a Rust block without `{}PATH{}`", MARKER.0, MARKER.1));
	};
	// A doc excerpting a doc would prove nothing: sources are code (Rust, or the JavaScript the
	// end-to-end tests run) or manifests.
	if !(path.ends_with(".rs") || path.ends_with(".js") || path.ends_with("Cargo.toml")) {
		return Some(format!("{at}: {path} is neither source code nor a manifest"));
	}
	let Ok(text) = fs::read_to_string(repository().join(path)) else {
		return Some(format!("{at}: the excerpt's source {path} does not exist"));
	};
	let source: Vec<&str> = text.lines().map(str::trim).collect();
	let excerpt = runs(&block.lines);
	if excerpt.is_empty() {
		return Some(format!("{at}: an empty excerpt"));
	}
	first_missing(&source, &excerpt).map(|run| {
		format!(
			"{at}: not in {path} (in this order, as consecutive lines):\n    {}",
			run.join("\n    ")
		)
	})
}

fn all_blocks() -> Vec<Block> {
	let docs = repository().join("docs");
	let mut paths: Vec<PathBuf> = fs::read_dir(&docs)
		.expect("docs/ exists")
		.map(|entry| entry.expect("a readable entry").path())
		.filter(|path| path.extension().is_some_and(|ext| ext == "md"))
		.collect();
	paths.sort();
	let readme = repository().join("README.md");
	paths.push(readme);
	paths
		.iter()
		.flat_map(|path| {
			let name = path.strip_prefix(repository()).unwrap_or(path).display().to_string();
			blocks_of(&name, &fs::read_to_string(path).expect("a readable doc"))
		})
		.collect()
}

#[test]
fn every_rust_block_in_the_docs_is_an_excerpt_of_compiled_source() {
	let blocks = all_blocks();
	let rust = blocks.iter().filter(|b| is_rust(b)).count();
	assert!(rust >= 20, "found only {rust} Rust blocks: is docs/ where this test looks?");
	let problems: Vec<String> = blocks.iter().filter_map(check).collect();
	assert!(problems.is_empty(), "docs that drifted from the code:\n{}", problems.join("\n"));
}

mod checker {
	use super::*;

	fn block(source: &str, lines: &[&str]) -> Block {
		Block {
			doc: "doc.md".into(),
			line: 1,
			language: "rust".into(),
			lines: lines.iter().map(|l| l.to_string()).collect(),
			source: Some(source.into()),
		}
	}

	/// This file itself is the source the checker is tested against.
	const HERE: &str = "modules/bundle/tests/docs.rs";

	#[test]
	fn an_excerpt_with_elisions_and_other_indentation_matches() {
		let excerpt = block(
			HERE,
			&[
				"fn repository() -> PathBuf {",
				"// ...",
				"}",
				"",
				"// ...",
				"fn all_blocks() -> Vec<Block> {",
				"\tlet docs = repository().join(\"docs\");",
			],
		);
		assert_eq!(check(&excerpt), None);
	}

	#[test]
	fn a_changed_line_lines_out_of_order_and_unmarked_rust_are_reported() {
		let changed = block(HERE, &["fn repository() -> PathBuf {", "\tPath::new(\"elsewhere\")"]);
		assert!(check(&changed).is_some_and(|p| p.contains("Path::new(\"elsewhere\")")));
		let reordered = block(
			HERE,
			&["fn all_blocks() -> Vec<Block> {", "// ...", "fn repository() -> PathBuf {"],
		);
		assert!(check(&reordered).is_some());
		let mut unmarked = block(HERE, &["fn repository() -> PathBuf {"]);
		unmarked.source = None;
		assert!(check(&unmarked).is_some());
		unmarked.language = "sh".into();
		assert_eq!(check(&unmarked), None);
		unmarked.language = "rust,ignore".into();
		assert!(check(&unmarked).is_some());
		let doc = block("docs/writing-a-module.md", &["# Writing a process module"]);
		assert!(check(&doc).is_some_and(|p| p.contains("neither")));
		let missing = block("modules/no-such-file.rs", &["fn f() {}"]);
		assert!(check(&missing).is_some_and(|p| p.contains("does not exist")));
	}
}
