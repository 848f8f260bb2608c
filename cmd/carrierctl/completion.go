package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/carrierkit/carrierkit/providers"
)

// runCompletion prints a completion script generated from the commands'
// own flag sets, so it cannot drift from them.
func runCompletion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("completion", "completion bash|zsh|fish\n\n"+
		"Prints a shell completion script for carrierctl's commands and flags:\n"+
		"  bash: source <(carrierctl completion bash)\n"+
		"  zsh:  carrierctl completion zsh > \"${fpath[1]}/_carrierctl\"\n"+
		"  fish: carrierctl completion fish > ~/.config/fish/completions/carrierctl.fish")
	// The shell is an argument: parse's "unexpected argument" is ignored.
	if err := parse(fs, args, stdout); err != nil && fs.NArg() == 0 {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("completion: want one shell: bash, zsh or fish")
	}
	specs := completionSpecs()
	switch fs.Arg(0) {
	case "bash":
		return writeBash(stdout, specs)
	case "zsh":
		return writeZsh(stdout, specs)
	case "fish":
		return writeFish(stdout, specs)
	}
	return usagef("completion: unknown shell %q (want bash, zsh or fish)", fs.Arg(0))
}

// cmdSpec is one command and its flags, for completion.
type cmdSpec struct {
	name, summary string
	flags         []flagSpec
}

type flagSpec struct {
	name, usage string
	takesValue  bool
	choices     []string // the values it takes, when they are few
	file, dir   bool
}

// allCommands returns commands; completion reads them through it, as
// commands itself refers to runCompletion.
var allCommands func() []command

func init() { allCommands = func() []command { return commands } }

// completionSpecs lists every command's flags from its flag set.
func completionSpecs() []cmdSpec {
	var out []cmdSpec
	for _, c := range allCommands() {
		spec := cmdSpec{name: c.name, summary: c.summary}
		if fs := flagsOf(c); fs != nil {
			fs.VisitAll(func(f *flag.Flag) {
				arg, usage := flag.UnquoteUsage(f)
				usage, _, _ = strings.Cut(usage, "\n")
				fl := flagSpec{name: f.Name, usage: usage, takesValue: !isBoolFlag(f), choices: choicesOf(f)}
				fl.file = arg == "file" || arg == "FILE"
				fl.dir = arg == "dir" || arg == "DIR"
				spec.flags = append(spec.flags, fl)
			})
		}
		out = append(out, spec)
	}
	return out
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// choicesOf is the values a flag takes, by its type or name.
func choicesOf(f *flag.Flag) []string {
	switch f.Value.(type) {
	case boolFlag:
		return []string{"true", "false"}
	case methodFlag:
		return []string{"GET", "POST"}
	case *outputFlag:
		return []string{outputTable, outputJSON, outputJSONL}
	case *profileFlag:
		return []string{"core", "full"}
	}
	if f.Name == "provider" {
		return providers.DefaultURLMux().Schemes()
	}
	return nil
}

func commandNames(specs []cmdSpec) []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return append(names, "help")
}

func writeBash(w io.Writer, specs []cmdSpec) error {
	var b strings.Builder
	b.WriteString("# bash completion for carrierctl (carrierctl completion bash)\n_carrierctl() {\n")
	b.WriteString("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"${COMP_WORDS[1]}\" flags=\"\"\n")
	fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=( $(compgen -W %q -- \"$cur\") )\n    return\n  fi\n",
		strings.Join(append(commandNames(specs), "--help", "--version"), " "))
	fmt.Fprintf(&b, "  if [ \"$cmd\" = help ]; then\n    COMPREPLY=( $(compgen -W %q -- \"$cur\") )\n    return\n  fi\n",
		strings.Join(commandNames(specs), " "))
	b.WriteString("  case \"$cmd\" in\n")
	for _, s := range specs {
		var names []string
		var values strings.Builder
		for _, f := range s.flags {
			names = append(names, flagName(f.name))
			switch {
			case len(f.choices) > 0:
				fmt.Fprintf(&values, "      %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return ;;\n", flagName(f.name), strings.Join(f.choices, " "))
			case f.file:
				fmt.Fprintf(&values, "      %s) COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n", flagName(f.name))
			case f.dir:
				fmt.Fprintf(&values, "      %s) COMPREPLY=( $(compgen -d -- \"$cur\") ); return ;;\n", flagName(f.name))
			case f.takesValue:
				fmt.Fprintf(&values, "      %s) return ;;\n", flagName(f.name))
			}
		}
		if s.name == "completion" {
			values.WriteString("      *) COMPREPLY=( $(compgen -W \"bash zsh fish\" -- \"$cur\") ); return ;;\n")
		}
		fmt.Fprintf(&b, "    %s)\n      flags=%q\n      case \"$prev\" in\n%s      esac ;;\n", s.name, strings.Join(names, " "), values.String())
	}
	b.WriteString("  esac\n  COMPREPLY=( $(compgen -W \"$flags\" -- \"$cur\") )\n}\ncomplete -F _carrierctl carrierctl\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote makes s safe inside a single-quoted _arguments spec.
func zshQuote(s string) string {
	r := strings.NewReplacer("'", "", "[", "(", "]", ")", ":", " -", "`", "")
	return r.Replace(s)
}

func writeZsh(w io.Writer, specs []cmdSpec) error {
	var b strings.Builder
	b.WriteString("#compdef carrierctl\n# zsh completion for carrierctl (carrierctl completion zsh)\n_carrierctl() {\n  local -a commands\n  commands=(\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "    '%s:%s'\n", s.name, zshQuote(s.summary))
	}
	b.WriteString("    'help:show a command'\\''s flags'\n  )\n")
	b.WriteString("  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n")
	b.WriteString("  local cmd=$words[2]\n  shift words\n  (( CURRENT-- ))\n  case $cmd in\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "    %s)\n      _arguments", s.name)
		for _, f := range s.flags {
			spec := flagName(f.name) + "[" + zshQuote(f.usage) + "]"
			switch {
			case len(f.choices) > 0:
				spec += ":value:(" + strings.Join(f.choices, " ") + ")"
			case f.file:
				spec += ":file:_files"
			case f.dir:
				spec += ":dir:_files -/"
			case f.takesValue:
				spec += ":value: "
			}
			fmt.Fprintf(&b, " \\\n        '%s'", spec)
		}
		if s.name == "completion" {
			b.WriteString(" \\\n        '1:shell:(bash zsh fish)'")
		}
		b.WriteString(" ;;\n")
	}
	fmt.Fprintf(&b, "    help)\n      _values 'command' %s ;;\n", strings.Join(commandNames(specs)[:len(specs)], " "))
	b.WriteString("  esac\n}\ncompdef _carrierctl carrierctl\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFish(w io.Writer, specs []cmdSpec) error {
	var b strings.Builder
	b.WriteString("# fish completion for carrierctl (carrierctl completion fish)\ncomplete -c carrierctl -f\n")
	fishQuote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
	for _, s := range specs {
		fmt.Fprintf(&b, "complete -c carrierctl -n __fish_use_subcommand -a %s -d %s\n", s.name, fishQuote(s.summary))
	}
	fmt.Fprintf(&b, "complete -c carrierctl -n '__fish_seen_subcommand_from help' -a %s\n", fishQuote(strings.Join(commandNames(specs)[:len(specs)], " ")))
	b.WriteString("complete -c carrierctl -n __fish_use_subcommand -l version -d 'print the version'\n")
	for _, s := range specs {
		for _, f := range s.flags {
			opt := "-l " + f.name
			if len(f.name) == 1 {
				opt = "-o " + f.name
			}
			line := fmt.Sprintf("complete -c carrierctl -n '__fish_seen_subcommand_from %s' %s -d %s", s.name, opt, fishQuote(f.usage))
			switch {
			case len(f.choices) > 0:
				line += " -x -a " + fishQuote(strings.Join(f.choices, " "))
			case f.file, f.dir:
				line += " -r -F"
			case f.takesValue:
				line += " -x"
			}
			b.WriteString(line + "\n")
		}
		if s.name == "completion" {
			b.WriteString("complete -c carrierctl -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
