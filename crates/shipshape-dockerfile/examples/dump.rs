//! Prints the dump of Dockerfiles given on the command line (a debugging aid).
//!
//! `cargo run -p shipshape-dockerfile --example dump -- path/to/Dockerfile [--stages]`

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stages = args.iter().any(|a| a == "--stages");
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let src = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        println!("== {path}");
        let (df, errors) = shipshape_dockerfile::parse_recovering(&src);
        print!("{}", shipshape_dockerfile::dump(&df));
        for e in &errors {
            let (l, c) = df.line_col(e.span.start);
            println!("error {}:{l}:{c}: {}", path, e.message);
        }
        if stages {
            match shipshape_dockerfile::resolve(&df, &Default::default()) {
                Ok(g) => print!("{}", shipshape_dockerfile::dump_stages(&df, &g)),
                Err(e) => println!("stages: {e}"),
            }
        }
    }
}
