/*
 * A test SSDT loaded next to xkvm's DSDT with the PCI host bridge (acpi-dump -p) in
 * acpiexec (test_pci_acpi.py): calls \_SB.PCI0._OSC as Linux does and returns what the
 * method put in the capabilities buffer, as one integer: CDW1 << 32 | CDW3.
 */
DefinitionBlock ("", "SSDT", 2, "XKVM  ", "XKVMPCI", 0x00000001)
{
    External (\_SB.PCI0._OSC, MethodObj)

    Method (OSCR, 3, Serialized)   /* Arg0 UUID, Arg1 revision, Arg2 control requested */
    {
        Name (BUF, Buffer (12) {})
        CreateDWordField (BUF, 0, CDW1)
        CreateDWordField (BUF, 4, CDW2)
        CreateDWordField (BUF, 8, CDW3)
        CDW1 = 0
        CDW2 = 0x1F                /* support: ExtendedConfig ASPM ClockPM Segments MSI */
        CDW3 = Arg2
        Local0 = \_SB.PCI0._OSC (Arg0, Arg1, 3, BUF)
        CreateDWordField (Local0, 0, RDW1)
        CreateDWordField (Local0, 8, RDW3)
        Return ((RDW1 << 32) | RDW3)
    }

    /* What Linux 6.x asks for: PCIeHotplug SHPCHotplug PME AER PCIeCapability LTR DPC. */
    Method (TOSC, 0, NotSerialized)
    {
        Return (OSCR (ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766"), 1, 0xBF))
    }

    /* A control bit nobody defined (6) among them: masked, status bit 4. */
    Method (TMSK, 0, NotSerialized)
    {
        Return (OSCR (ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766"), 1, 0x1FF))
    }

    /* Revision 2: status bit 3. */
    Method (TREV, 0, NotSerialized)
    {
        Return (OSCR (ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766"), 2, 0x1F))
    }

    /* Another UUID: status bit 2, nothing granted. */
    Method (TUID, 0, NotSerialized)
    {
        Return (OSCR (ToUUID ("a0b5b7c6-1318-441c-b0c9-fe695eaf949b"), 1, 0x1F))
    }
}
