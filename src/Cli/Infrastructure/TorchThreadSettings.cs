using System.ComponentModel;
using Cltool.Trainer.Native;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Infrastructure;

/// <summary>The thread options of every command that computes with libtorch and whose numbers a run records (train, eval).</summary>
public abstract class TorchThreadSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("libtorch's intra-op threads, 1 to the machine's cores. Default: the run's own count when continuing or evaluating " +
                 "a run (the count changes the last bits), else the cores other processes leave free at the start.")]
    public int? Threads { get; init; }

    [CommandOption("--wait-policy <POLICY>")]
    [Description("How idle OpenMP threads wait: default (libgomp's: spin briefly, then sleep), active (spin) or passive (sleep at once; " +
                 "kinder to other processes, slower when the machine is idle).")]
    [DefaultValue(TorchThreads.WaitDefault)]
    public string WaitPolicy { get; init; } = TorchThreads.WaitDefault;

    /// <summary>
    /// Applies the thread policy (before libtorch loads: the command's first torch call comes after) with the count the
    /// continued or evaluated run <paramref name="recorded"/>, and says which policy is in force.
    /// </summary>
    public void ApplyThreadPolicy(int? recorded, IAnsiConsole console) =>
        console.MarkupLineInterpolated($"[grey]libtorch: {TorchThreads.Apply(Threads, recorded, WaitPolicy).Describe()}[/]");

    /// <summary>The thread options' rules, for the settings' own Validate.</summary>
    protected ValidationResult ValidateThreads() => Rules.All(
        Rules.Requires(Threads is null || (Threads >= 1 && Threads <= Environment.ProcessorCount),
            $"--threads must be between 1 and this machine's {Environment.ProcessorCount} cores, got {Threads}."),
        Rules.Requires(TorchThreads.WaitPolicies.Contains(WaitPolicy),
            $"--wait-policy must be one of {string.Join(", ", TorchThreads.WaitPolicies)}, got '{WaitPolicy}'."));
}
