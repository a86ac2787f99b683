using System.Diagnostics;

namespace Cltool.Cli.Tests;

/// <summary>Runs the real `cltool` executable that the build placed next to this test assembly.</summary>
public static class CltoolProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    public static Result Run(params string[] arguments)
    {
        using Process process = Start(arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cltool {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }
        return new Result(process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>Starts cltool with redirected output and returns at once (for tests that kill it).</summary>
    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "cltool"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }
}
