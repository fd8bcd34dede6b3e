//! Helpers shared by the image tests of the catalogers.

use shipshape_image::build::ImageBuilder;
use shipshape_image::{open, visit_layers, ImageOptions};
use shipshape_sbom::{LayerSbom, Sbom};

/// The SBOM of the image `b` builds (written as a docker archive and read in one pass of its
/// layers), and the errors of that pass as `path: message`.
pub fn sbom_of(b: ImageBuilder) -> (Option<Sbom>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.tar");
    b.write_docker_archive(&path, "test:1").unwrap();
    let image = open(path.to_str().unwrap(), &ImageOptions::default()).unwrap();
    let mut v = LayerSbom::new();
    let a = visit_layers(&image, &mut [&mut v]);
    let errors = a
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    (v.take_sbom(), errors)
}
