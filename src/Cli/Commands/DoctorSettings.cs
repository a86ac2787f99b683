using System.ComponentModel;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class DoctorSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Print the report as JSON (for issue reports and scripts).")]
    public bool Json { get; init; }
}
