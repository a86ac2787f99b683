using System.Diagnostics;

namespace Cltool.Testing;

/// <summary>The repository's shell scripts run as a user runs them: bash, from the repository root, output and errors together.</summary>
public static class Script
{
    public sealed record Result(int ExitCode, string Output);

    /// <summary>Runs the script at <paramref name="path"/> (relative to the repository root) with <paramref name="arguments"/>.</summary>
    public static Result Run(string path, params string[] arguments) => Bash([Repository.File(path), .. arguments]);

    /// <summary>Runs one bash command line.</summary>
    public static Result Shell(string command) => Bash(["-c", command]);

    static Result Bash(string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, output + error.Result);
    }
}
