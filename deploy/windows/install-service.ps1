<#
.SYNOPSIS
  Installs `exhunt watch` as the Windows service "exhunt-watch" on an Exchange server
  (docs/watch.md "Running as a service"). Run in an elevated Windows PowerShell 5.1.

.DESCRIPTION
  - Configuration, state and logs go to their conventional place, %ProgramData%\exhunt
    (watch.yaml, state\exhunt.db, logs\), readable and writable by SYSTEM and Administrators
    only: the checkpoints and outboxes decide what is alerted.
  - Node.js cannot talk to the service control manager, so a small service host is compiled with
    the C# compiler of the .NET Framework that ships with Windows (Add-Type -OutputAssembly; no
    NSSM or other third-party binary) to %ProgramFiles%\exhunt\exhunt-service.exe. It starts
    node.exe with `exhunt watch --config ...`, appends its output to logs\exhunt-watch.log, and
    ends the process when the service stops. Ending it without a signal is safe: an unfinished
    batch was not committed and is read again; an alert in flight is sent again with its key.
  - The setup is checked with `exhunt watch --check` before the service is created.
  - The service runs as LocalSystem (it reads the Exchange and IIS logs and the registry),
    starts automatically, and is restarted 5 s after any exit (sc.exe failure/failureflag).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install-service.ps1
  powershell -ExecutionPolicy Bypass -File install-service.ps1 -ExhuntJs 'C:\Program Files\exhunt\app\bin\exhunt.js'
  powershell -ExecutionPolicy Bypass -File install-service.ps1 -Uninstall
#>
#Requires -Version 5.1
#Requires -RunAsAdministrator
[CmdletBinding()]
param(
  [string]$ServiceName = 'exhunt-watch',
  [string]$NodePath = '',
  [string]$ExhuntJs = '',
  [string]$DataDir = (Join-Path $env:ProgramData 'exhunt'),
  [string]$InstallDir = (Join-Path $env:ProgramFiles 'exhunt'),
  [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'

if ($PSVersionTable.PSEdition -ne 'Desktop') {
  throw 'Run this script in Windows PowerShell 5.1 (powershell.exe): PowerShell 7 cannot compile the service host.'
}

$hostExe = Join-Path $InstallDir 'exhunt-service.exe'
$argsFile = Join-Path $InstallDir 'exhunt-service.args'

if ($Uninstall) {
  if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
    & sc.exe delete $ServiceName | Out-Null
  }
  Remove-Item -Force -ErrorAction SilentlyContinue $hostExe, $argsFile
  Write-Host "Service $ServiceName removed. Configuration and state are kept in $DataDir."
  return
}

# --- Where node and exhunt are ---------------------------------------------------------------
if (-not $NodePath) { $NodePath = (Get-Command node.exe -ErrorAction Stop).Source }
if (-not $ExhuntJs) {
  $candidates = @(
    (Join-Path $PSScriptRoot '..\..\bin\exhunt.js'),
    (Join-Path (& npm.cmd root -g 2>$null) 'exhunt\bin\exhunt.js')
  )
  $ExhuntJs = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
  if (-not $ExhuntJs) { throw 'exhunt.js not found: pass -ExhuntJs <path to bin\exhunt.js>' }
}
$ExhuntJs = (Resolve-Path $ExhuntJs).Path

# --- %ProgramData%\exhunt: config, state, logs, for SYSTEM and Administrators only --------------
$stateDir = Join-Path $DataDir 'state'
$logDir = Join-Path $DataDir 'logs'
$config = Join-Path $DataDir 'watch.yaml'
New-Item -ItemType Directory -Force -Path $DataDir, $stateDir, $logDir, $InstallDir | Out-Null
& icacls.exe $DataDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null

if (-not (Test-Path $config)) {
  @"
# exhunt watch configuration (docs/watch.md). Without paths: the live Exchange server.
state: $stateDir
jsonl: $(Join-Path $logDir 'findings.jsonl')
start: now
maxCpu: 50
eventLogs: [Application, MSExchange Management]
channels: []
# channels:
#   - name: siem
#     type: syslog
#     transport: tls
#     host: siem.example.org
#     ca: $(Join-Path $DataDir 'siem-ca.pem')
#     minSeverity: medium
"@ | Set-Content -Encoding UTF8 -Path $config
  Write-Host "Wrote a starting configuration to $config; add your alert channels there."
}

# --- The setup must pass --check before it becomes a service ----------------------------------
& $NodePath $ExhuntJs watch --config $config --check
if ($LASTEXITCODE -ne 0) { throw "exhunt watch --check found problems (exit $LASTEXITCODE); fix $config and run this again." }

# --- The service host -------------------------------------------------------------------------
$source = @'
using System;
using System.Diagnostics;
using System.IO;
using System.ServiceProcess;

public class ExhuntServiceHost : ServiceBase
{
    private readonly string node;
    private readonly string arguments;
    private readonly string logFile;
    private Process child;
    private StreamWriter log;
    private volatile bool stopping;

    public ExhuntServiceHost(string name, string node, string arguments, string logFile)
    {
        ServiceName = name;
        CanStop = true;
        CanShutdown = true;
        this.node = node;
        this.arguments = arguments;
        this.logFile = logFile;
    }

    private void Write(string line)
    {
        lock (this) { if (log != null) log.WriteLine(DateTime.UtcNow.ToString("o") + " " + line); }
    }

    protected override void OnStart(string[] args)
    {
        FileInfo f = new FileInfo(logFile);
        if (f.Exists && f.Length > 10 * 1024 * 1024)
        {
            // One old log is kept beside the current one.
            File.Copy(logFile, logFile + ".1", true);
            File.Delete(logFile);
        }
        log = new StreamWriter(logFile, true);
        log.AutoFlush = true;
        ProcessStartInfo psi = new ProcessStartInfo(node, arguments);
        psi.UseShellExecute = false;
        psi.CreateNoWindow = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.EnvironmentVariables["NO_COLOR"] = "1";
        child = new Process();
        child.StartInfo = psi;
        child.EnableRaisingEvents = true;
        child.OutputDataReceived += (s, e) => { if (e.Data != null) Write(e.Data); };
        child.ErrorDataReceived += (s, e) => { if (e.Data != null) Write(e.Data); };
        child.Exited += (s, e) =>
        {
            if (stopping) return;
            Write("exhunt exited with code " + child.ExitCode + "; the service stops and its recovery settings start it again");
            ExitCode = 1;
            Stop();
        };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        Write("started: " + node + " " + arguments);
    }

    protected override void OnStop()
    {
        stopping = true;
        try
        {
            if (child != null && !child.HasExited) { child.Kill(); child.WaitForExit(15000); }
        }
        catch (Exception e) { Write("stopping: " + e.Message); }
        Write("stopped");
        lock (this) { if (log != null) { log.Dispose(); log = null; } }
    }

    protected override void OnShutdown() { OnStop(); }

    public static void Main()
    {
        string dir = AppDomain.CurrentDomain.BaseDirectory;
        string[] lines = File.ReadAllLines(Path.Combine(dir, "exhunt-service.args"));
        // Line 1: service name; 2: node.exe; 3: its command line; 4: the log file.
        ServiceBase.Run(new ExhuntServiceHost(lines[0], lines[1], lines[2], lines[3]));
    }
}
'@
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
  Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
}
Remove-Item -Force -ErrorAction SilentlyContinue $hostExe
Add-Type -TypeDefinition $source -Language CSharp -ReferencedAssemblies 'System.ServiceProcess' -OutputAssembly $hostExe -OutputType ConsoleApplication

$q = { param($s) '"' + $s + '"' }
$commandLine = "$(& $q $ExhuntJs) watch --config $(& $q $config) -q --no-color"
Set-Content -Encoding ASCII -Path $argsFile -Value @($ServiceName, $NodePath, $commandLine, (Join-Path $logDir 'exhunt-watch.log'))

# --- The service --------------------------------------------------------------------------------
if (-not (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue)) {
  New-Service -Name $ServiceName -BinaryPathName ('"' + $hostExe + '"') -DisplayName 'exhunt watch' `
    -Description 'exhunt: monitors the Exchange logs and web folders for compromise and sends alerts (docs/watch.md).' `
    -StartupType Automatic | Out-Null
}
# Restart 5 s after any exit (also a clean exit with a non-zero code), reset the count daily.
& sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/60000 | Out-Null
& sc.exe failureflag $ServiceName 1 | Out-Null
Start-Service -Name $ServiceName
Get-Service -Name $ServiceName | Format-Table -AutoSize Name, Status, StartType
Write-Host "Logs: $logDir\exhunt-watch.log; findings: $logDir\findings.jsonl"
Write-Host "Queues: & '$NodePath' '$ExhuntJs' alerts status --store '$stateDir'"
