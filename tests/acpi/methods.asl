/*
 * A test SSDT loaded next to xkvm's DSDT in acpiexec (test_acpi_tools.py).  acpiexec
 * backs SystemIO regions with plain memory, so these methods stand in for the devices:
 * they set the register bits the VMM would set, then run the DSDT's own methods.
 * This checks control flow and name resolution; the devices have their own tests.
 */
DefinitionBlock ("", "SSDT", 2, "XKVM  ", "XKVMTST", 0x00000001)
{
    External (\_SB.GED._EVT, MethodObj)
    External (\_SB.GED.ESEL, FieldUnitObj)
    External (\_SB.PRES.CPEN, FieldUnitObj)
    External (\_SB.PRES.CINS, FieldUnitObj)
    External (\_SB.PRES.CRMV, FieldUnitObj)
    External (\_SB.PRES.CEJ0, FieldUnitObj)
    External (\_SB.PRES.CSEL, FieldUnitObj)
    External (\_SB.PRES.CDAT, FieldUnitObj)
    External (\_SB.CPUS.CSCN, MethodObj)
    External (\_SB.CPUS.C000._STA, MethodObj)
    External (\_SB.CPUS.C000._OST, MethodObj)
    External (\_SB.CPUS.C001._EJ0, MethodObj)

    /* The power button: ESEL bit 0x2, then the GED's _EVT as Linux's evged calls it. */
    Method (TPWR, 0, NotSerialized)
    {
        \_SB.GED.ESEL = 0x02
        \_SB.GED._EVT (0x09)
    }

    /* CPU hot-plug through the GED: ESEL bit 0x8 and every slot's insert flag. */
    Method (TINS, 0, NotSerialized)
    {
        \_SB.PRES.CINS = 0x01
        \_SB.GED.ESEL = 0x08
        \_SB.GED._EVT (0x09)
    }

    /* CPU hot-remove: every slot's remove flag, then the scan. */
    Method (TRMV, 0, NotSerialized)
    {
        \_SB.PRES.CRMV = 0x01
        \_SB.CPUS.CSCN ()
    }

    /* _STA of a present slot. */
    Method (TSTA, 0, NotSerialized)
    {
        \_SB.PRES.CPEN = 0x01
        Return (\_SB.CPUS.C000._STA ())
    }

    /* _OST (eject request, "eject in progress"): the status is the last CDAT write. */
    Method (TOST, 0, NotSerialized)
    {
        \_SB.CPUS.C000._OST (0x03, 0x84, Buffer (0x01) { 0x00 })
        Return (\_SB.PRES.CDAT)
    }

    /* _EJ0 of slot 1 selects it and writes the eject bit. */
    Method (TEJ0, 0, NotSerialized)
    {
        \_SB.PRES.CEJ0 = 0x00
        \_SB.CPUS.C001._EJ0 (0x01)
        Return (((\_SB.PRES.CSEL << 0x08) | \_SB.PRES.CEJ0))
    }
}
