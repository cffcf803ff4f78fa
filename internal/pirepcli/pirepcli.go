// Package pirepcli is `skyledger pireps`: checking a file of PIREPs
// against the parser (`pireps check FILE`) and importing one into a tenant
// through the HTTP API (`pireps import FILE -api URL -key KEY`).
//
// A file holds one report a line, or is a TSV whose first column is the
// report; a header row whose first column is "raw" is skipped, and when
// it names a "verdict" column (accept/refuse) check also prints how often
// the parser agrees with it.
package pirepcli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/skyledger/skyledger/domain/pirep"
)

// Run executes `pireps <command> ...` with args after "pireps".
func Run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: skyledger pireps check FILE | pireps import FILE -api URL -key KEY")
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout)
	case "import":
		return runImport(args[1:], stdout, stderr)
	}
	return fmt.Errorf("pireps: unknown command %q (check, import)", args[0])
}

// line is one report of the input file.
type line struct {
	no      int
	raw     string
	verdict string // "accept", "refuse" or "" (no verdict column)
}

// readLines reads the reports of a file (see the package comment).
func readLines(path string) ([]line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	verdictCol := -1
	var out []line
	for no := 1; sc.Scan(); no++ {
		cols := strings.Split(sc.Text(), "\t")
		if no == 1 && strings.EqualFold(strings.TrimSpace(cols[0]), "raw") {
			for i, c := range cols {
				if strings.EqualFold(strings.TrimSpace(c), "verdict") {
					verdictCol = i
				}
			}
			continue
		}
		if strings.TrimSpace(cols[0]) == "" {
			continue
		}
		l := line{no: no, raw: strings.TrimRight(cols[0], "\r")}
		if verdictCol > 0 && verdictCol < len(cols) {
			l.verdict = strings.TrimSpace(cols[verdictCol])
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// refusalClass names the kind of a refusal: element and problem without
// the quoted value ("/TM invalid time").
func refusalClass(err error) string {
	var pe *pirep.Error
	if !errors.As(err, &pe) {
		return err.Error()
	}
	el := pe.Element
	if len(el) == 2 {
		el = "/" + el
	}
	problem := pe.Problem
	if i := strings.IndexAny(problem, `"0123456789`); i > 0 {
		problem = problem[:i]
	}
	return strings.TrimSpace(el + " " + strings.TrimSpace(problem))
}

// warningClass names the kind of a warning: element and message without
// the quoted word.
func warningClass(w pirep.Warning) string {
	msg := w.Message
	if i := strings.Index(msg, ` (at "`); i > 0 {
		msg = msg[:i]
	}
	return w.Element + " " + msg
}

func check(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pireps check", flag.ContinueOnError)
	fs.SetOutput(out)
	quiet := fs.Bool("summary", false, "print only the summary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: skyledger pireps check [-summary] FILE")
	}
	lines, err := readLines(fs.Arg(0))
	if err != nil {
		return err
	}
	var (
		accepted, refused, urgent, withWarnings int
		agree, judged                           int
		disagreements                           []string
		warnClasses                             = map[string]int{}
		refuseClasses                           = map[string]int{}
	)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for _, l := range lines {
		r, err := pirep.DecideText(l.raw, false)
		verdict := "accept"
		if err != nil {
			verdict = "refuse"
			refused++
			refuseClasses[refusalClass(err)]++
			if !*quiet {
				fmt.Fprintf(w, "line %d: refused: %v\n", l.no, err)
			}
		} else {
			accepted++
			if r.Urgent() {
				urgent++
			}
			if len(r.Warnings) > 0 {
				withWarnings++
			}
			if !*quiet {
				fmt.Fprintf(w, "line %d: accepted %s", l.no, r.Type)
				if reasons := pirep.UrgentReasons(r); len(reasons) > 0 {
					fmt.Fprintf(w, " (%s)", strings.Join(reasons, "; "))
				}
				fmt.Fprintf(w, ": %s\n", r.Encode())
			}
			for _, wr := range r.Warnings {
				warnClasses[warningClass(wr)]++
				if !*quiet {
					fmt.Fprintf(w, "  warning %s %q: %s\n", wr.Element, wr.Text, wr.Message)
				}
			}
		}
		if l.verdict != "" {
			judged++
			if l.verdict == verdict {
				agree++
			} else {
				disagreements = append(disagreements, fmt.Sprintf("line %d: %s, expected %s", l.no, verdict, l.verdict))
			}
		}
	}
	fmt.Fprintf(w, "\n%d reports: %d accepted (%d urgent, %d with warnings), %d refused\n",
		len(lines), accepted, urgent, withWarnings, refused)
	printClasses(w, "warnings by class", warnClasses)
	printClasses(w, "refusals by class", refuseClasses)
	if judged > 0 {
		fmt.Fprintf(w, "agreement with the verdict column: %d/%d (%.1f%%)\n", agree, judged, 100*float64(agree)/float64(judged))
		for _, d := range disagreements {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	return nil
}

func printClasses(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %4d  %s\n", m[k], k)
	}
}
