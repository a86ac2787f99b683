using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ReportSettings : CommandSettings
{
    [CommandArgument(0, "<RUN_DIR>")]
    [Description("Finished run directories; seeds of the same recipe are averaged.")]
    public string[] Runs { get; init; } = [];

    [CommandOption("--out <PREFIX>")]
    [Description("Also write PREFIX.md, PREFIX.json, PREFIX.png (Acc by method and head option), PREFIX-curves.png (accuracy after " +
                 "each task, mean ± std over seeds) and, when the runs counted their adapter, PREFIX-parameters.png (Acc against stored adapter parameters).")]
    public string? Out { get; init; }

    public override ValidationResult Validate() =>
        Rules.All(Runs.Select(run => Rules.Requires(Directory.Exists(run), $"RUN_DIR '{run}' is not a directory.")).ToArray());
}
