/*
 * prose: the checks of the two sections written as prose — Technology
 * Stack Rationale (each choice names what it was compared with) and Key
 * Considerations (the four subsections; Scalability's 10x) — read as
 * people and models write them, in the languages lang.h knows.
 */
#ifndef ARCHIE_DESIGN_PROSE_H
#define ARCHIE_DESIGN_PROSE_H

struct design_doc;
struct design_report;

void design_check_rationale(const struct design_doc *d, struct design_report *r);
void design_check_considerations(const struct design_doc *d, struct design_report *r);

#endif
