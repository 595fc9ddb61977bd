/* plan_elf.c - the ELF files of the objects mapped in the target: load
 * bias, symbols (by compilation unit, default versions), build-id note,
 * IRELATIVE relocations, PT_TLS.  Read from the host's copy of each file
 * (sysroot prefix), never from the target's /proc. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan_int.h"

void plan_obj_free(struct plan_obj *o)
{
	if (!o)
		return;
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o->file);
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

int plan_obj_load(struct plan *p, struct plan_obj *o)
{
	size_t nph, i, shn;
	uint64_t lo = UINT64_MAX;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (o->loaded)
		return 0;
	if (o->failed)
		return -ENOEXEC;
	o->failed = true;
	elf_version(EV_CURRENT);
	o->fd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0) {
		int err = -errno;

		plan_msg(PLAN_DEBUG, "plan: '%s': cannot open '%s': %s\n",
			 p->po_name, o->file, strerror(errno));
		return err;
	}
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF || !gelf_getehdr(o->elf, &eh) ||
	    eh.e_machine != EM_X86_64 || gelf_getclass(o->elf) != ELFCLASS64 ||
	    elf_getphdrnum(o->elf, &nph) || elf_getshdrstrndx(o->elf, &shn))
		return -ENOEXEC;	/* locale files and the like: quietly skipped */
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(o->elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type == PT_LOAD && ph.p_vaddr < lo)
			lo = ph.p_vaddr;
		if (ph.p_type == PT_INTERP)
			o->is_exec = true;
		if (ph.p_type == PT_TLS) {
			o->has_tls = true;
			o->tls_vaddr = ph.p_vaddr;
			o->tls_memsz = ph.p_memsz;
			o->tls_align = ph.p_align ? ph.p_align : 1;
		}
	}
	if (eh.e_type == ET_EXEC)
		o->is_exec = true;
	if (lo == UINT64_MAX)
		return -ENOEXEC;
	/* bias: the first mapping with offset 0 maps the page of the lowest
	 * PT_LOAD (set by plan_open in o->bias as that mapping's start) */
	o->bias -= lo & ~(PLAN_PAGE - 1);
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			o->symtab = elf_getdata(scn, NULL);
			o->symtab_strndx = sh.sh_link;
			o->nsymtab = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		} else if (sh.sh_type == SHT_DYNSYM) {
			o->dynsym = elf_getdata(scn, NULL);
			o->dynsym_strndx = sh.sh_link;
			o->ndynsym = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		} else if (sh.sh_type == SHT_GNU_versym) {
			o->versym = elf_getdata(scn, NULL);
		}
	}
	o->failed = false;
	o->loaded = true;
	return 0;
}

/* Does STT_FILE name f denote compilation unit cu?  GCC writes the
 * basename of the source ("foo.c") while DW_AT_name is the path as
 * compiled ("lib/foo.c"). */
static bool file_is_cu(const char *f, const char *cu)
{
	return !strcmp(f, cu) || !strcmp(f, base_name(cu)) ||
	       !strcmp(base_name(f), base_name(cu));
}

/* Is symbol table name sn the symbol name?  The static symbol table names
 * a copy-relocated variable with its version ("stderr@GLIBC_2.2.5"). */
static bool name_is(const char *sn, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(sn, name, n) && (sn[n] == 0 || sn[n] == '@');
}

int plan_obj_find(struct plan *p, struct plan_obj *o, const char *name,
		  const char *cu, bool dynamic, plan_sym_cb cb, void *arg)
{
	Elf_Data *d = dynamic ? o->dynsym : (o->symtab ? o->symtab : o->dynsym);
	size_t n = dynamic ? o->ndynsym : (o->symtab ? o->nsymtab : o->ndynsym);
	size_t strndx = d == o->symtab ? o->symtab_strndx : o->dynsym_strndx;
	bool in_cu = false, versioned = d == o->dynsym && o->versym;
	int found = 0;
	size_t i;

	if (!o->loaded)
		return -ENOEXEC;
	if (!d)
		return 0;
	for (i = 1; i < n; i++) {
		GElf_Sym s;
		const char *sn;
		int bind, type;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		bind = GELF_ST_BIND(s.st_info);
		sn = elf_strptr(o->elf, strndx, s.st_name);
		if (!sn)
			continue;
		if (type == STT_FILE) {
			in_cu = cu && cu != PLAN_ANY_LOCAL && file_is_cu(sn, cu);
			continue;
		}
		if (s.st_shndx == SHN_UNDEF || !name_is(sn, name))
			continue;
		if (cu == PLAN_ANY_LOCAL) {
			if (bind != STB_LOCAL)
				continue;
		} else if (cu) {
			if (bind != STB_LOCAL || !in_cu)
				continue;
		} else if (bind != STB_GLOBAL && bind != STB_WEAK &&
			   bind != STB_GNU_UNIQUE) {
			continue;
		}
		if (versioned) {
			GElf_Versym vs;

			/* only the default version (no hidden bit) */
			if (gelf_getversym(o->versym, (int)i, &vs) && (vs & 0x8000))
				continue;
		}
		cb(arg, &s);
		found++;
	}
	return found;
}

int plan_obj_build_id(struct plan *p, struct plan_obj *o, uint64_t *vaddr,
		      uint8_t *id, size_t *len)
{
	size_t nph, i;

	if (elf_getphdrnum(o->elf, &nph))
		return -ENOEXEC;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *d;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;

		if (!gelf_getphdr(o->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(o->elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + noff, "GNU", 4) &&
			    nh.n_descsz <= 64) {
				*vaddr = ph.p_vaddr + doff;
				*len = nh.n_descsz;
				memcpy(id, (char *)d->d_buf + doff, nh.n_descsz);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int plan_obj_irelative(struct plan *p, struct plan_obj *o, uint64_t value,
		       uint64_t *r_offset)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    !(sh.sh_flags & SHF_ALLOC) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; d && i < n; i++) {
			GElf_Rela r;

			if (!gelf_getrela(d, (int)i, &r))
				break;
			if (GELF_R_TYPE(r.r_info) == R_X86_64_IRELATIVE &&
			    (uint64_t)r.r_addend == value) {
				*r_offset = r.r_offset;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* Bytes from vaddr that belong to the function there: its size, plus the
 * alignment padding after it when the function is shorter than want (a
 * 4-byte "lea; ret" has room for a 5-byte jump if nothing starts in the
 * next byte).  The padding ends at the next symbol of .symtab or at the end
 * of the section; without a .symtab only size is known. */
uint64_t plan_obj_room(struct plan *p, struct plan_obj *o, uint64_t vaddr,
		       uint64_t size, uint64_t want)
{
	uint64_t end = vaddr + want;
	Elf_Scn *scn = NULL;
	size_t i;

	(void)p;
	if (size >= want || !o->symtab)
		return size;
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) &&
		    vaddr >= sh.sh_addr && vaddr < sh.sh_addr + sh.sh_size) {
			if (!(sh.sh_flags & SHF_EXECINSTR))
				return size;
			if (sh.sh_addr + sh.sh_size < end)
				end = sh.sh_addr + sh.sh_size;
			break;
		}
	}
	if (!scn)
		return size;
	for (i = 0; i < o->nsymtab; i++) {
		GElf_Sym s;

		if (!gelf_getsym(o->symtab, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
		    s.st_shndx >= SHN_LORESERVE || GELF_ST_TYPE(s.st_info) == STT_SECTION ||
		    GELF_ST_TYPE(s.st_info) == STT_FILE)
			continue;
		/* another symbol inside [vaddr + size, end): the padding stops there;
		 * one starting inside the function itself (an alias) is fine */
		if (s.st_value > vaddr && s.st_value >= vaddr + size && s.st_value < end)
			end = s.st_value;
		if (s.st_value > vaddr && s.st_value < vaddr + size)
			continue;
	}
	return end > vaddr + size ? end - vaddr : size;
}
