namespace Cltool.Core.Errors;

/// <summary>Process exit codes of every cltool executable, documented in docs/cli.md.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    /// <summary>The command line itself is wrong (unknown option, invalid value); sysexits' EX_USAGE.</summary>
    public const int Usage = 64;
}
