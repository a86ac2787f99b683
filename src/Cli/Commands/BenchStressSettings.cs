using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchStressSettings : BenchSettings
{
    [CommandOption("--seconds <N>")]
    [Description("How long each process loops.")]
    [DefaultValue(300)]
    public int Seconds { get; init; } = 300;

    [CommandOption("--processes <N>")]
    [Description("Processes looping at once (more than the cores: the load under which the native crash was seen).")]
    [DefaultValue(3)]
    public int Processes { get; init; } = 3;

    [CommandOption("--worker", IsHidden = true)]
    public bool Worker { get; init; }

    public override ValidationResult Validate() => Rules.All(Rules.Positive("--seconds", Seconds), Rules.Positive("--processes", Processes));
}
