using System.Diagnostics;
using System.Text;
using Cltool.Cli.Benchmarks;
using Cltool.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>
/// The trainer's native paths under memory pressure (a 1 MB gen-0 budget, collections forced from another thread,
/// tensors left to the finalizer, several processes on the cores at once): every exception, every value that differs
/// from the first round's, every process that died. Not in the test suite: a long run (Cake target Stress).
/// </summary>
public sealed class BenchStressCommand(IAnsiConsole console) : Command<BenchStressSettings>
{
    public override int Execute(CommandContext context, BenchStressSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Worker)
        {
            StressWorker.Run(TimeSpan.FromSeconds(settings.Seconds), Console.Out.WriteLine);
            return 0;
        }
        StressResult result = RunProcesses(settings);
        string markdown = Markdown(result);
        console.Write(new Markup(Markup.Escape(markdown)));
        settings.Save("stress", result, markdown);
        return result.Clean ? ExitCodes.Success : ExitCodes.Failure;
    }

    StressResult RunProcesses(BenchStressSettings settings)
    {
        var rounds = new Dictionary<string, int>();
        var failures = new List<string>();
        var dead = new List<string>();
        Process[] workers = Enumerable.Range(0, settings.Processes).Select(_ => StartWorker(settings.Seconds)).ToArray();
        var readers = workers.Select((worker, index) => Task.Run(() =>
        {
            for (string? line; (line = worker.StandardOutput.ReadLine()) is not null;)
                lock (rounds) Tally(index, line, rounds, failures);
        })).ToArray();
        for (int index = 0; index < workers.Length; index++)
        {
            workers[index].WaitForExit();
            readers[index].Wait();
            if (workers[index].ExitCode != 0)
                dead.Add($"process {index + 1} exited with {workers[index].ExitCode}: {workers[index].StandardError.ReadToEnd().Split('\n').FirstOrDefault(l => l.Length > 0)}");
        }
        return new StressResult(settings.Processes, settings.Seconds, rounds, failures, dead);
    }

    void Tally(int process, string line, Dictionary<string, int> rounds, List<string> failures)
    {
        string[] parts = line.Split(' ', 4);
        if (parts.Length < 3) return;
        rounds[parts[1]] = rounds.GetValueOrDefault(parts[1]) + 1;
        if (parts[0] == StressWorker.Ok) return;
        failures.Add($"process {process + 1}: {line}");
        console.MarkupLineInterpolated($"[red]process {process + 1}: {line}[/]");
    }

    /// <summary>This program again as a worker, with a 1 MB gen-0 budget so the GC (and the finalizers after it) runs every few steps.</summary>
    static Process StartWorker(int seconds)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "bench", "stress", "--worker", "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_GCgen0size"] = "0x100000";
        return Process.Start(start) ?? throw new CltoolException("could not start a stress worker process.");
    }

    static string Markdown(StressResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"# bench stress: {result.Processes} processes × {result.Seconds} s, gen-0 budget 1 MB, forced collections, finalizer load");
        text.AppendLine();
        text.AppendLine("| path | rounds checked |");
        text.AppendLine("|---|---:|");
        foreach ((string path, int count) in result.RoundsByPath.OrderBy(p => p.Key, StringComparer.Ordinal)) text.AppendLine($"| {path} | {count} |");
        text.AppendLine();
        text.AppendLine(result.Clean ? "clean: no exception, no value differing from the first round, no process died"
            : $"NOT CLEAN: {result.Failures.Count} failure(s), {result.DeadProcesses.Count} dead process(es)");
        foreach (string line in result.Failures.Concat(result.DeadProcesses)) text.AppendLine($"- {line}");
        return text.ToString();
    }
}
