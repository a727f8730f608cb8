//! Where things are: the kit's root folder and the paths derived from it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::catalog::Catalog;
use crate::layout::{CATALOG, Layout};

/// The kit on disk: its root, its manifest, and where everything is.
pub struct Kit {
    pub root: PathBuf,
    pub catalog: Catalog,
    pub layout: Layout,
}

impl Kit {
    /// Finds the kit from `start` upwards (or at `explicit`), and loads its manifest.
    pub fn locate(explicit: Option<&Path>, start: &Path) -> Result<Kit> {
        let root = match explicit {
            Some(dir) if dir.join(CATALOG).is_file() => dir.to_path_buf(),
            Some(dir) => bail!(
                "{} is not the concurrency kit: it has no {CATALOG}",
                dir.display()
            ),
            None => match start.ancestors().find(|dir| dir.join(CATALOG).is_file()) {
                Some(dir) => dir.to_path_buf(),
                None => bail!(
                    "not inside the concurrency kit: run `cargo checker` from the kit's folder \
                     (the one with {CATALOG}), or pass --root DIR"
                ),
            },
        };
        let root = root.canonicalize()?;
        let catalog = Catalog::load(&root.join(CATALOG))?;
        Ok(Kit {
            layout: Layout::new(root.clone()),
            root,
            catalog,
        })
    }
}
