//! Variables of Makefiles and scripts are expanded in `docker run` lines before the rules run.

use shipshape_core::SourceFile;
use shipshape_runtime::analyse_docker_run_text;
use shipshape_runtime::dockerrun::specs_in_text;
use shipshape_runtime::model::RuntimeSpec;
use shipshape_runtime::shell::TextKind;

fn findings(name: &str, text: &str) -> Vec<(String, String)> {
    analyse_docker_run_text(&SourceFile::new(name, text))
        .findings
        .iter()
        .map(|f| (f.rule.code.to_string(), f.message.clone()))
        .collect()
}

fn has(found: &[(String, String)], code: &str) -> bool {
    found.iter().any(|(c, _)| c == code)
}

fn spec(name: &str, text: &str) -> RuntimeSpec {
    let kind = TextKind::from_path(name).unwrap();
    specs_in_text(&SourceFile::new(name, text), 0, kind).remove(0)
}

fn image(s: &RuntimeSpec) -> &str {
    s.image.as_ref().map(|i| i.value.as_str()).unwrap_or("")
}

#[test]
fn makefile_variables_name_the_image() {
    let mk = "IMAGE ?= acme/app\n\nrun:\n\tdocker run --rm -d $(IMAGE)\n";
    let found = findings("Makefile", mk);
    let latest = found.iter().find(|(c, _)| c == "SS2022").expect("untagged");
    assert!(
        latest
            .1
            .contains("`$(IMAGE)` (`acme/app` after interpolation)"),
        "{}",
        latest.1
    );
    let pinned = "IMAGE := acme/app\nTAG = $(VERSION)\nVERSION = 1.4.2\n\nrun:\n\tdocker run --rm -d ${IMAGE}:$(TAG)\n";
    let found = findings("Makefile", pinned);
    assert!(!has(&found, "SS2022"), "{found:?}");
    assert!(has(&found, "SS2023"), "{found:?}");
    assert_eq!(image(&spec("Makefile", pinned)), "acme/app:1.4.2");
}

#[test]
fn a_literal_tag_next_to_an_unknown_variable_is_still_judged() {
    let mk = "run:\n\tdocker run -d $(IMAGE):latest\n";
    assert!(has(&findings("Makefile", mk), "SS2022"));
    let mk = "REGISTRY = $(shell cat registry.txt)\nrun:\n\tdocker run -d $(REGISTRY)/app:latest\n";
    assert!(has(&findings("Makefile", mk), "SS2022"));
    // the tag itself unknown: not judged
    let mk = "run:\n\tdocker run -d acme/app:$(TAG)\n";
    assert!(!has(&findings("Makefile", mk), "SS2022"));
}

#[test]
fn variables_in_option_position_are_not_the_image() {
    let mk = "run:\n\tdocker run $(DOCKER_FLAGS) --rm acme/app:1.0 serve\n";
    let s = spec("Makefile", mk);
    assert_eq!(image(&s), "acme/app:1.0");
    assert_eq!(s.command.as_ref().map(|c| c.value.as_str()), Some("serve"));
    let mk = "run:\n\tdocker run $$EXTRA acme/app:1.0\n";
    assert_eq!(image(&spec("Makefile", mk)), "acme/app:1.0");
    let mk = "run:\n\tdocker run ${RUN_OPTS} $(IMAGE)\n";
    assert_eq!(image(&spec("Makefile", mk)), "$(IMAGE)");
    // an unknown variable alone is still the image
    let mk = "run:\n\tdocker run -d $(IMAGE) --help\n";
    assert_eq!(image(&spec("Makefile", mk)), "$(IMAGE)");
    // known options are expanded and read
    let mk = "FLAGS = --privileged --read-only\nrun:\n\tdocker run $(FLAGS) acme/app:1.0\n";
    let s = spec("Makefile", mk);
    assert!(s.is_privileged());
    assert!(s.read_only.as_ref().is_some_and(|r| r.value));
    assert!(has(&findings("Makefile", mk), "SS2001"));
}

#[test]
fn script_variables_and_defaults() {
    let sh =
        "#!/bin/sh\nset -e\nIMAGE=acme/app\nexport TAG=latest\ndocker run -d \"$IMAGE:$TAG\"\n";
    let found = findings("run.sh", sh);
    assert!(has(&found, "SS2022"), "{found:?}");
    let sh = "docker run -d \"${IMAGE:-nginx}\"\n";
    assert!(has(&findings("deploy.sh", sh), "SS2022"));
    let sh = "docker run -d \"${IMAGE:-nginx:1.27.2}\"\n";
    let found = findings("deploy.sh", sh);
    assert!(!has(&found, "SS2022") && has(&found, "SS2023"), "{found:?}");
    // unknown values stay unjudged: an argument, a command substitution, an assignment after
    for sh in [
        "docker run -d \"$1\"\n",
        "IMAGE=$(cat image.txt)\ndocker run -d \"$IMAGE\"\n",
        "docker run -d \"$IMAGE\"\nIMAGE=nginx\n",
        "IMAGE=nginx docker run -d \"$IMAGE\"\n",
    ] {
        assert!(!has(&findings("run.sh", sh), "SS2022"), "{sh}");
    }
    // an unquoted variable holding several options is split like the shell does
    let sh = "OPTS=\"-p 127.0.0.1:80:80 --read-only\"\ndocker run -d $OPTS acme/app:1.0\n";
    let s = spec("run.sh", sh);
    assert_eq!(image(&s), "acme/app:1.0");
    assert!(s.read_only.as_ref().is_some_and(|r| r.value));
    assert_eq!(s.ports.len(), 1);
    // quoted, it is one word (here the image)
    let sh = "IMG=\"acme/app:1.0\"\ndocker run -d \"$IMG\"\n";
    assert_eq!(image(&spec("run.sh", sh)), "acme/app:1.0");
}
