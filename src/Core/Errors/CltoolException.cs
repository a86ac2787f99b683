namespace Cltool.Core.Errors;

/// <summary>
/// A failure the user can act on: bad input, a missing file, an unusable device. The CLI prints the message as one
/// line and exits with <see cref="ExitCode"/>; anything else reaching the top level is a bug and shows a stack trace.
/// </summary>
public class CltoolException(string message, int exitCode = ExitCodes.Failure, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>
    /// Another library's message made fit for the one line the CLI prints: line breaks and the whitespace around them
    /// become one space, and it is cut at <paramref name="limit"/> characters (System.Text.Json quotes a whole bad
    /// literal, which in a damaged file can be the rest of the file).
    /// </summary>
    public static string OneLine(string message, int limit = 240)
    {
        string flat = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return flat.Length <= limit ? flat : flat[..limit] + "…";
    }

    /// <summary>A file the user named does not exist.</summary>
    public static CltoolException MissingFile(string what, string path) =>
        new($"{what} '{path}' does not exist.");
}
