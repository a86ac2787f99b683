using Cltool.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.InferenceHost.CommandLine;

/// <summary>What `cltool` and `cltool-host` share as command lines: the consoles, strict parsing and how a failure is reported.</summary>
public static class CommandLineConsole
{
    /// <summary>Names the application, parses strictly and reports failures on stderr; <paramref name="console"/> (stdout when null) gets the output.</summary>
    public static void Configure(IConfigurator config, string applicationName, IAnsiConsole? console)
    {
        IAnsiConsole errors = Create(Console.Error, Console.IsErrorRedirected);
        config.SetApplicationName(applicationName);
        config.UseAssemblyInformationalVersion();
        config.UseStrictParsing();
        if (console is not null) config.ConfigureConsole(console);
        config.SetExceptionHandler((error, _) => ReportFailure(errors, error));
    }

    /// <summary>
    /// The console for a real process. Redirected output (logs, CI, tests) is not wrapped at 80 columns, so every
    /// report line stays one line that grep can find.
    /// </summary>
    public static IAnsiConsole Create() => Create(Console.Out, Console.IsOutputRedirected);

    static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected) console.Profile.Width = 400;
        return console;
    }

    /// <summary>
    /// Spectre.Console.Cli reports a value it cannot convert as "Failed to convert 'abc' to Nullable`1." without the
    /// option; the option is the command-line token in front of the value (or the one the value is attached to with '=').
    /// </summary>
    static string? ConversionFailure(string message)
    {
        var failed = System.Text.RegularExpressions.Regex.Match(message, "^Failed to convert '(.*)' to ");
        if (!failed.Success) return null;
        string value = failed.Groups[1].Value;
        string[] args = Environment.GetCommandLineArgs();
        string? option = args.Zip(args.Skip(1)).FirstOrDefault(pair => pair.First.StartsWith('-') && pair.Second == value).First
                         ?? args.FirstOrDefault(arg => arg.StartsWith('-') && arg.EndsWith("=" + value, StringComparison.Ordinal))?.Split('=')[0];
        return $"{option ?? "an option"}: '{value}' is not a value of the option's type (a number where --help shows N, LR or a similar name).";
    }

    /// <summary>One clear line for anything the user can fix; a stack trace only for bugs.</summary>
    static int ReportFailure(IAnsiConsole console, Exception error)
    {
        switch (error)
        {
            case CltoolException known:
                console.MarkupLineInterpolated($"[red]error:[/] {known.Message}");
                return known.ExitCode;
            case IOException or UnauthorizedAccessException:
                // A full disk or an unwritable path: files are written atomically, so the last good ones are intact.
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
                return ExitCodes.Failure;
            case CommandAppException usage:
                if (usage.Pretty is not null) console.Write(usage.Pretty);
                else console.MarkupLineInterpolated($"[red]error:[/] {ConversionFailure(usage.Message) ?? usage.Message}");
                return ExitCodes.Usage;
            default:
                console.WriteException(error, ExceptionFormats.ShortenPaths);
                return ExitCodes.Failure;
        }
    }
}
