// The firmware application: runs the int8 model blob compiled into flash on the input image
// compiled in, with HardMicro (the same runtime the host runs), and reports by semihosting
// one `key=value` line per figure, which `hard mcu run` reads:
//   status=ok | status=refused code=N (a damaged blob) | status=too-large (arena > RAM)
//   classmap_fnv1a=XXXXXXXX logits_fnv1a=XXXXXXXX  (FNV-1a of the class map and int8 logits)
//   instructions=N (one inference, SysTick under qemu -icount shift=0: 40 per tick)
//   arena_bytes, scratch_bytes, heap_bytes, static_bytes, stack_bytes
//   profile op=I code=C output=HxWxC instructions=N  (one line per op, a second run)
import FirmwareSupport

/// Writes a Swift string through semihosting.
func say(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
        guard let base = utf8.baseAddress else { return }
        base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { fw_write($0, UInt32(utf8.count)) }
    }
}

func hex(_ v: UInt32) -> String {
    let digits: StaticString = "0123456789abcdef"
    var s = ""
    for k in 0..<8 {
        let d = Int((v >> UInt32(28 - 4 * k)) & 0xF)
        s.append(Character(Unicode.Scalar(digits.utf8Start[d])))
    }
    return s
}

@_cdecl("main")
public func main() -> Int32 {
    let blob = UnsafeRawBufferPointer(start: fw_model_blob(), count: Int(fw_model_blob_size()))
    let model: MicroModel
    do {
        model = try MicroModel(blob: blob)
    } catch {
        say("status=refused code=\(Int(error.rawValue))\n")
        return 3
    }
    let plan = planArena(model)
    // The F746 has 320 kB of RAM: say so plainly rather than fault inside the allocator.
    let output0 = model.tensors[model.outputTensor]
    if plan.totalBytes + output0.elementCount + 4096 > Int(fw_heap_capacity_bytes()) {
        say("status=too-large arena_bytes=\(plan.totalBytes) heap_capacity_bytes=\(Int(fw_heap_capacity_bytes()))\n")
        return 5
    }
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: plan.totalBytes, alignment: 16)
    let interpreter: MicroInterpreter
    do {
        interpreter = try MicroInterpreter(model: model, arena: arena)
    } catch {
        say("status=refused code=\(Int(error.rawValue))\n")
        return 3
    }
    let input = model.tensors[model.inputTensor], output = model.tensors[model.outputTensor]
    guard Int(fw_input_size()) == input.elementCount, let image = fw_input() else {
        say("status=bad-input expected=\(input.elementCount) got=\(Int(fw_input_size()))\n")
        return 4
    }
    let classes = UnsafeMutablePointer<UInt8>.allocate(capacity: output.elementCount)

    fw_timer_start()
    interpreter.invoke(input: image.assumingMemoryBound(to: UInt8.self), output: classes)
    let instructions = fw_timer_instructions()

    let logitsTensor = model.logitsTensor
    let logits = UnsafeRawBufferPointer(start: interpreter.tensorData(logitsTensor),
                                        count: model.tensors[logitsTensor].elementCount)
    say("status=ok\n")
    say("classmap_fnv1a=" + hex(fnv1a32(UnsafeRawBufferPointer(start: classes, count: output.elementCount))) + "\n")
    say("logits_fnv1a=" + hex(fnv1a32(logits)) + "\n")
    say("instructions=\(Int(instructions))\n")
    say("arena_bytes=\(plan.totalBytes - alignUp(plan.scratchBytes, 16))\n")
    say("scratch_bytes=\(plan.scratchBytes)\n")
    say("heap_bytes=\(Int(fw_heap_high_water_bytes()))\n")
    say("static_bytes=\(Int(fw_static_data_bytes()))\n")
    say("stack_bytes=\(Int(fw_stack_high_water_bytes()))\n")

    // The same inference again, op by op: where the instructions go.
    for op in 0..<model.opWords.count {
        fw_timer_start()
        interpreter.invoke(op: op, input: image.assumingMemoryBound(to: UInt8.self), output: classes)
        let n = fw_timer_instructions()
        let out = model.tensors[model.tensorsOf(op).output]
        say("profile op=\(op) code=\(Int(model.opCode(op).rawValue)) output=\(out.height)x\(out.width)x\(out.channels) instructions=\(Int(n))\n")
    }
    return 0
}
