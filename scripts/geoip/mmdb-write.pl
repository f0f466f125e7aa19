#!/usr/bin/env perl
# Writes a small MaxMind DB (.mmdb) file from a JSON description, with MaxMind's own writer
# (Debian: libmaxmind-db-writer-perl). For the tests and the demo's databases only: opsh
# reads such files with libmaxminddb and never writes them.
#
#   perl scripts/geoip/mmdb-write.pl OUT.mmdb < spec.json
#
# spec.json: {"type": "GeoLite2-Country", "description": "...",
#             "networks": [["10.1.0.0/16", {"country": {"iso_code": "DE", "names": {"en": "Germany"}}}], ...]}
# Records use GeoLite2's keys: country/city {iso_code, names {en}}, autonomous_system_number,
# autonomous_system_organization. IPv4 networks are also reachable as ::ffff:0:0/96 and ::/96.
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: mmdb-write.pl OUT.mmdb < spec.json\n";
my $spec = decode_json(do { local $/; <STDIN> });
my %types = (
    country => 'map', city => 'map', names => 'map', en => 'utf8_string', iso_code => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => $spec->{type}, languages => ['en'],
    description => { en => $spec->{description} // $spec->{type} },
    map_key_type_callback => sub { $types{ $_[0] } // die "mmdb-write.pl: no type for key '$_[0]'\n" },
    alias_ipv6_to_ipv4 => 1, remove_reserved_networks => 0,
);
$tree->insert_network($_->[0], $_->[1]) for @{ $spec->{networks} };
open my $fh, '>:raw', $out or die "mmdb-write.pl: cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "mmdb-write.pl: cannot write $out: $!\n";
