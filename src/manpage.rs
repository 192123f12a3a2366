//! The man page kexec-reboot(8), made from the clap definitions (so `--help` and `man` never
//! disagree) plus the sections an admin looks for: every command with its options on one
//! page, exit status, files, see also.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, EXIT_CODES};

/// Escapes text for roff: backslashes, hyphens, and a leading dot or quote.
fn esc(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// `--name <VALUE>` / `-x, --name` for an argument.
fn arg_label(a: &clap::Arg) -> String {
    let mut parts = Vec::new();
    if let Some(s) = a.get_short() {
        parts.push(format!("\\fB\\-{s}\\fR"));
    }
    if let Some(l) = a.get_long() {
        parts.push(format!("\\fB\\-\\-{}\\fR", esc(l)));
    }
    let mut label = parts.join(", ");
    let takes_value = a.get_num_args().is_some_and(|n| n.takes_values());
    if takes_value {
        if let Some(names) = a.get_value_names() {
            let v: Vec<String> = names
                .iter()
                .map(|n| format!("\\fI{}\\fR", esc(n)))
                .collect();
            label.push(' ');
            label.push_str(&v.join(" "));
        }
    }
    label
}

/// Writes the whole page.
pub fn render(out: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone()).section("8");
    man.render_title(out).context("writing the man page")?;
    man.render_name_section(out)
        .context("writing the man page")?;
    man.render_synopsis_section(out)
        .context("writing the man page")?;
    man.render_description_section(out)
        .context("writing the man page")?;
    man.render_options_section(out)
        .context("writing the man page")?;

    let mut s = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let args: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_long() != Some("help"))
            .collect();
        s.push_str(&format!(
            ".TP\n\\fBkexec\\-reboot {}\\fR",
            esc(sub.get_name())
        ));
        for a in &args {
            s.push_str(&format!(" [{}]", arg_label(a)));
        }
        s.push('\n');
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|t| t.to_string())
            .unwrap_or_default();
        s.push_str(&esc(&about));
        s.push('\n');
        if !args.is_empty() {
            s.push_str(".RS\n");
            for a in &args {
                let help = a
                    .get_long_help()
                    .or(a.get_help())
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                s.push_str(&format!(".TP\n{}\n{}\n", arg_label(a), esc(&help)));
            }
            s.push_str(".RE\n");
        }
    }

    s.push_str(".SH \"EXIT STATUS\"\n.nf\n");
    for line in EXIT_CODES.lines().skip(1) {
        s.push_str(&esc(line.trim_start()));
        s.push('\n');
    }
    s.push_str(".fi\n");

    s.push_str(crate::releases::MAN_SECTION);
    s.push_str(crate::firmware_plan::MAN_SECTION);
    s.push_str(concat!(
        ".SH FILES\n",
        ".TP\n/etc/sysconfig/kexec\nWhat to boot next and how; every key is documented in the file. Parsed, never run by a shell.\n",
        ".TP\n/etc/rc.d/init.d/kexec\nThe rc script: \\fBstart\\fR records the boot and takes the lock, \\fBstop\\fR at runlevel 6 runs \\fBkexec\\-reboot load \\-\\-reason shutdown\\fR. Turn it on with \\fBchkconfig kexec on\\fR.\n",
        ".TP\n/run/kexec\\-reboot.state (/var/run on CentOS/RHEL 5 and 6)\nWhat kexec\\-reboot staged in this boot, with the other records of this boot (.boot, .next, .confirmed, .loading, .guard, .lock). They live in /run wherever it is a directory, so the exec step still reads them after a separate /var is unmounted.\n",
    ));
    s.push_str(crate::releases::MAN_FILES);
    s.push_str(concat!(
        ".TP\n/var/lib/kexec\\-reboot/pending.json, /var/lib/kexec\\-reboot/unconfirmed.json\nBoot confirmation: the load waiting for its boot, and a kexec boot that never came up.\n",
        ".SH \"SEE ALSO\"\n\\fBkexec\\fR(8), \\fBchkconfig\\fR(8), \\fBshutdown\\fR(8), \\fBgrub2\\-editenv\\fR(1)\n",
    ));
    out.write_all(s.as_bytes())
        .context("writing the man page")?;
    man.render_version_section(out)
        .context("writing the man page")?;
    Ok(())
}
