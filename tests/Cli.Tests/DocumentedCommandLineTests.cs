using System.Text.RegularExpressions;

namespace Cltool.Cli.Tests;

/// <summary>
/// Every `cltool …` command line the README and docs/ show (in code spans and code blocks) names a command that exists
/// and only options its --help lists: documentation that drifts from the tool fails here.
/// </summary>
public sealed partial class DocumentedCommandLineTests
{
    /// <summary>Commands with subcommands: the second word is part of the command.</summary>
    static readonly string[] Branches = ["bench", "data"];

    [Fact]
    public void Every_documented_command_line_uses_a_command_and_options_that_exist()
    {
        var problems = new List<string>();
        var help = new Dictionary<string, string>();
        int checkedLines = 0;
        foreach ((string file, string line) in DocumentedCommandLines())
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int commandWords = words.Length > 2 && Branches.Contains(words[1]) ? 2 : 1;
            string command = string.Join(' ', words.Skip(1).Take(commandWords));
            if (!help.TryGetValue(command, out string? text))
            {
                CltoolProcess.Result result = CltoolProcess.Run([.. command.Split(' '), "--help"]);
                help[command] = text = result.ExitCode == 0 ? result.Output : "";
            }
            if (text == "")
            {
                problems.Add($"{file}: `{line}`: no command '{command}'");
                continue;
            }
            checkedLines++;
            foreach (Match option in OptionPattern().Matches(string.Join(' ', words.Skip(1 + commandWords))))
                if (!Regex.IsMatch(text, $@"(?<![\w-]){Regex.Escape(option.Value)}(?![\w-])"))
                    problems.Add($"{file}: `{line}`: {command} has no option {option.Value}");
        }

        Assert.True(checkedLines > 50, $"only {checkedLines} documented command lines found: is the extraction still right?");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>(file, command line) for each `cltool WORD…` in a code span or a code block line of README.md and docs/*.md.</summary>
    static IEnumerable<(string File, string Line)> DocumentedCommandLines()
    {
        string[] files = [Repository.File("README.md"), .. Directory.GetFiles(Repository.File("docs"), "*.md", SearchOption.AllDirectories)];
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(Repository.Root, file);
            bool inBlock = false;
            foreach (string raw in File.ReadLines(file))
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inBlock = !inBlock;
                    continue;
                }
                IEnumerable<string> spans = inBlock ? [raw] : CodeSpanPattern().Matches(raw).Select(m => m.Groups[1].Value);
                foreach (string span in spans)
                    foreach (Match commandLine in CommandLinePattern().Matches(span))
                        yield return (relative, commandLine.Value.Trim());
            }
        }
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpanPattern();

    /// <summary>
    /// cltool and a lower-case command word where a command starts (the span's or line's start, after a prompt or a shell
    /// separator; prose that mentions cltool does not count), up to a shell separator or comment.
    /// </summary>
    [GeneratedRegex(@"(?<=(?:^\s*|\$ |&& |; |\| ))cltool [a-z][a-z-]*[^#|;&`)]*")]
    private static partial Regex CommandLinePattern();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex OptionPattern();
}
