using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class DeploySettings : CommandSettings
{
    [CommandArgument(0, "<REPOSITORY>")]
    [Description("A Triton-layout model repository (what cltool export --triton DIR writes).")]
    public string Repository { get; init; } = "";

    [CommandOption("-o|--out <DIR>")]
    [Description("Where to write cltool-host.yaml (Deployment + Service) and kserve-inferenceservice.yaml.")]
    [DefaultValue("deploy")]
    public string Out { get; init; } = "deploy";

    [CommandOption("--image <IMAGE>")]
    [Description("The container image that runs cltool-host.")]
    [DefaultValue("cltool-host:latest")]
    public string Image { get; init; } = "cltool-host:latest";

    [CommandOption("--claim <NAME>")]
    [Description("The PersistentVolumeClaim that holds the repository (mounted read-only; KServe's storageUri pvc://NAME/).")]
    [DefaultValue("cltool-models")]
    public string Claim { get; init; } = "cltool-models";

    [CommandOption("--replicas <N>")]
    [Description("Replicas of the host (KServe: minReplicas).")]
    [DefaultValue(2)]
    public int Replicas { get; init; } = 2;

    [CommandOption("--cpu <CPU>")]
    [Description("CPU each replica requests.")]
    [DefaultValue("2")]
    public string Cpu { get; init; } = "2";

    [CommandOption("--memory <MEMORY>")]
    [Description("Memory each replica requests and is limited to.")]
    [DefaultValue("2Gi")]
    public string Memory { get; init; } = "2Gi";

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(Directory.Exists(Repository), $"REPOSITORY '{Repository}' is not a directory."),
        Rules.Positive("--replicas", Replicas));
}
