"""PowerShell's and cmd.exe's destructive words, rated as their Bash equivalents are.

h123 rated PowerShell's forced recursive Remove-Item and downloads run by ``iex``; an unforced
recursive Remove-Item (Bash's ``rm -r``), cmd.exe's ``rd /s`` and ``del /s`` (with ``/q``: ``rm -rf``),
``Format-Volume`` (``mkfs``), opening the execution policy, and writing a PowerShell profile
(``~/.bashrc``) were all ``low``.
"""

from __future__ import annotations

import pytest

from hookd.enrich.payload import ToolInput
from hookd.enrich.risk import assess
from risk_floods import assert_flood_is_linear_and_rated

CWD = "C:\\src\\shop"


@pytest.mark.parametrize(
    "command, level, reasons",
    [
        ("Remove-Item -Recurse C:\\Users\\me", "medium", ["Remove-Item -Recurse"]),
        ("Remove-Item D:\\ -Recurse", "medium", ["Remove-Item -Recurse"]),
        ("ri -r ..\\other", "medium", ["Remove-Item -Recurse"]),
        ("rm -r ..\\other", "medium", ["recursive rm"]),  # Bash's rule, at the same level
        ("Remove-Item -RECURSE -fo C:\\", "high", ["Remove-Item -Recurse -Force"]),
        ("cmd /c rd /s /q C:\\src", "high", ["rd /s /q"]),
        ("RMDIR /S /Q build", "high", ["rd /s /q"]),
        ("rd /q/s C:\\", "high", ["rd /s /q"]),
        ("rd /s build", "medium", ["rd /s"]),
        ("del /q /s *.log", "high", ["del /s /q"]),
        ("DEL /F /S /Q C:\\data", "high", ["del /s /q"]),
        ("erase /s *.tmp", "medium", ["del /s"]),
        ("Format-Volume -DriveLetter D -FileSystem NTFS", "high", ["disk overwrite"]),
        ("format-volume D", "high", ["disk overwrite"]),
        ("Set-ExecutionPolicy Unrestricted", "high", ["Set-ExecutionPolicy Unrestricted"]),
        (
            "Set-ExecutionPolicy -ExecutionPolicy Bypass -Scope CurrentUser",
            "high",
            ["Set-ExecutionPolicy Unrestricted"],
        ),
        ("Add-Content $PROFILE 'Set-Alias g git'", "high", ["writes shell startup file"]),
        ("'Import-Module x' | Out-File -Append $PROFILE.CurrentUserAllHosts", "high", ["writes shell startup file"]),
        ("'x' >> $Profile", "high", ["writes shell startup file"]),
        (
            "echo x > C:\\Users\\me\\Documents\\WindowsPowerShell\\Microsoft.PowerShell_profile.ps1",
            "high",
            ["writes shell startup file"],
        ),
        (
            "Set-Content -Path ~/.config/powershell/Microsoft.PowerShell_profile.ps1 -Value x",
            "high",
            ["writes shell startup file"],
        ),
        # what stays low
        ("rd build", "low", []),
        ("rmdir /srv/q", "low", []),
        ("del .\\old.txt", "low", []),
        ("Remove-Item .\\old.txt", "low", []),
        ("Get-ChildItem -Recurse -Force", "low", []),
        ("Get-Volume", "low", []),
        ("Set-ExecutionPolicy RemoteSigned -Scope CurrentUser", "low", []),
        ("Get-ExecutionPolicy -List", "low", []),
        ("Get-Content $PROFILE", "low", []),
        (". $PROFILE", "low", []),
        ("Test-Path $PROFILE", "low", []),
    ],
)
def test_windows_destructive_words_are_rated_as_their_bash_equivalents(command, level, reasons):
    risk = assess("PowerShell", ToolInput(command=command), CWD)
    assert (risk.level, list(risk.reasons)) == (level, reasons)


@pytest.mark.parametrize(
    "path, level, reasons",
    [
        (
            "C:\\Users\\me\\Documents\\PowerShell\\Microsoft.PowerShell_profile.ps1",
            "high",
            ["writes shell startup file", "write outside cwd"],
        ),
        ("/home/me/.config/powershell/Microsoft.PowerShell_profile.ps1", "high", ["writes shell startup file"]),
        ("C:\\src\\shop\\scripts\\profile_report.ps1", "low", []),
    ],
)
def test_writing_a_powershell_profile_is_writing_a_shell_startup_file(path, level, reasons):
    cwd = "/home/me" if path.startswith("/") else CWD
    risk = assess("Write", ToolInput(file_path=path), cwd)
    assert (risk.level, list(risk.reasons)) == (level, reasons)


FLOODS = {
    "rd switches": ("", "rd /s ", "; rd /s /q x", "rd /s /q"),
    "del switches": ("", "del /s/", "\ndel /q /s x", "del /s /q"),
    "unforced remove-item": ("", "ri -r ", "; ri -r x", "Remove-Item -Recurse"),
    "format words": ("", "format-volum ", "; format-volume D", "disk overwrite"),
    "execution policy words": ("", "set-executionpolicy ", "bypass", "Set-ExecutionPolicy Unrestricted"),
    "redirections": ("", "> microsoft.", ">> $profile", "writes shell startup file"),
    "profile writers": ("", "ac sc tee ", "$profile", "writes shell startup file"),
}


@pytest.mark.parametrize("name", FLOODS)
def test_a_flood_of_the_new_rules_words_costs_no_more_than_its_length(name):
    assert_flood_is_linear_and_rated(name, *FLOODS[name])
