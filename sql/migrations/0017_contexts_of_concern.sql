-- Contexts of concern as records (issue #19, DESIGN §7b): a place, peer group, school,
-- route or online space the partnership is working on, followed over time: its status,
-- lead agency, dated risk ratings, actions with owners and due dates, review date, the
-- places and wards where it has a location and the interventions on it. Every change is
-- also a row of context_event, so the timeline is the record's own history.
-- Free text (name, summary, action, notes) is checked for identifiers by the application
-- before it is written (the same guard as uploads).

CREATE TABLE context_kind (
    code  text PRIMARY KEY,
    label text NOT NULL,
    sort  integer NOT NULL
);
INSERT INTO context_kind (code, label, sort) VALUES
    ('place', 'Place', 1),
    ('peer_group', 'Peer group', 2),
    ('school', 'School', 3),
    ('route', 'Route or corridor', 4),
    ('online', 'Online space', 5);

CREATE TABLE context_status (
    code  text PRIMARY KEY,
    label text NOT NULL,
    sort  integer NOT NULL
);
INSERT INTO context_status (code, label, sort) VALUES
    ('identified', 'Identified', 1),
    ('assessed', 'Assessed', 2),
    ('plan_in_place', 'Plan in place', 3),
    ('reviewing', 'Reviewing', 4),
    ('closed', 'Closed', 5);

CREATE TABLE context (
    context_id   bigserial PRIMARY KEY,
    ref          text NOT NULL UNIQUE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    kind         text NOT NULL REFERENCES context_kind,
    status       text NOT NULL DEFAULT 'identified' REFERENCES context_status,
    lead_agency  text NOT NULL DEFAULT '' CHECK (length(lead_agency) <= 120),
    summary      text NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    review_date  date,
    opened_on    date NOT NULL DEFAULT current_date,
    area_code    text REFERENCES area,
    extract_id   bigint REFERENCES extract
);

-- where a context has a location: places of concern and/or wards
CREATE TABLE context_place (
    context_id bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    place_id   bigint NOT NULL REFERENCES place,
    PRIMARY KEY (context_id, place_id)
);
CREATE TABLE context_ward (
    context_id bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    ward_code  text NOT NULL REFERENCES ward,
    PRIMARY KEY (context_id, ward_code)
);
CREATE TABLE context_intervention (
    context_id      bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    intervention_id bigint NOT NULL REFERENCES intervention ON DELETE CASCADE,
    PRIMARY KEY (context_id, intervention_id)
);

-- dated risk ratings (from location assessments or a review)
CREATE TABLE context_rating (
    rating_id  bigserial PRIMARY KEY,
    context_id bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    rated_on   date NOT NULL,
    rating     text NOT NULL CHECK (rating IN ('low', 'medium', 'high')),
    source     text NOT NULL DEFAULT 'review' CHECK (source IN ('assessment', 'review')),
    UNIQUE (context_id, rated_on, source)
);

-- actions: an owner is an agency or a role, never a person's name
CREATE TABLE context_action (
    action_id   bigserial PRIMARY KEY,
    context_id  bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    owner       text NOT NULL CHECK (length(owner) BETWEEN 1 AND 120),
    due_date    date,
    done_on     date
);

-- the record's history: status changes, ratings, actions, reviews (the timeline)
CREATE TABLE context_event (
    event_id   bigserial PRIMARY KEY,
    context_id bigint NOT NULL REFERENCES context ON DELETE CASCADE,
    happened   date NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('opened', 'status', 'rating', 'action',
                                               'action_done', 'review', 'edit')),
    what       text NOT NULL
);
CREATE INDEX context_event_by_context ON context_event (context_id, happened);

GRANT ALL ON context_kind, context_status, context, context_place, context_ward,
    context_intervention, context_rating, context_action, context_event TO contexts_owner;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO contexts_owner;
GRANT SELECT ON context_kind, context_status TO contexts_dashboard, contexts_loader;
GRANT SELECT ON context, context_place, context_ward, context_intervention, context_rating,
    context_action, context_event TO contexts_dashboard;
GRANT SELECT, INSERT, UPDATE, DELETE ON context, context_place, context_ward,
    context_intervention, context_rating, context_action, context_event TO contexts_loader;
GRANT USAGE ON SEQUENCE context_context_id_seq, context_rating_rating_id_seq,
    context_action_action_id_seq, context_event_event_id_seq TO contexts_loader;

-- partners see the contexts of their areas (as every area-scoped table: 0005, 0006), and
-- the parts of a record only through its context
ALTER TABLE context ENABLE ROW LEVEL SECURITY;
ALTER TABLE context FORCE ROW LEVEL SECURITY;
CREATE POLICY context_by_area ON context FOR SELECT TO contexts_dashboard
    USING ((SELECT contexts_all_areas()) OR area_code = ANY (contexts_area_list()));
CREATE POLICY context_writers ON context TO contexts_loader, contexts_owner
    USING (true) WITH CHECK (true);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['context_place', 'context_ward', 'context_intervention',
                             'context_rating', 'context_action', 'context_event']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO contexts_dashboard USING '
                       '(EXISTS (SELECT 1 FROM context c WHERE c.context_id = %I.context_id))',
                       t || '_by_context', t, t);
        EXECUTE format('CREATE POLICY %I ON %I TO contexts_loader, contexts_owner '
                       'USING (true) WITH CHECK (true)', t || '_writers', t);
    END LOOP;
END
$$;
